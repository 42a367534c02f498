// The "limit" side: raw tmux control mode with no tmuxorch code on top. A minimal client written
// for the bench: spawn `tmux -C attach`, split stdout into lines, match `%begin/%end|%error`
// blocks with flags bit 1 FIFO to the lines we wrote (the attach's own flags-0 block is skipped),
// octal-decode `%output`, and resolve watchers when a pane prints a given text as a whole line.
import { spawn } from 'node:child_process';
import { wallMs, within } from './stats.mjs';

// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>])/g;

// `\ooo` octal escapes of %output back to bytes (as a latin1 string).
export function decodeOctal(text) {
  return text.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(parseInt(oct, 8)));
}

// What a terminal line shows: escape sequences removed, the text after the last carriage return.
export function cleanLine(line) {
  const parts = line
    .replace(ESCAPES, '')
    .split('\r')
    .filter((p) => p !== '');
  return parts.length ? parts[parts.length - 1] : '';
}

// One word of a control-mode line, single-quoted so tmux expands nothing.
export function cq(word) {
  return `'${String(word).replaceAll("'", `'\\''`)}'`;
}

export class RawControl {
  // Attaches to `session` on the private socket and sizes the client; resolves once attached.
  static async attach(ctx, session, { noOutput = false } = {}) {
    const flags = noOutput ? ['-f', 'no-output'] : [];
    const child = spawn('tmux', ctx.tmuxArgs(['-C', 'attach-session', ...flags, '-t', session]), {
      env: ctx.env,
    });
    const client = new RawControl(child);
    ctx.onCleanup(() => client.close());
    await within(client.attached, 10_000, `raw control client attach to ${session}`);
    await client.must(`refresh-client -C 200x50`);
    return client;
  }

  constructor(child) {
    this.child = child;
    this.pending = [];
    this.block = null;
    this.partial = '';
    this.paneText = new Map(); // pane id -> partial output line
    this.watchers = new Map(); // `${pane}\0${line}` -> resolve(wall ms)
    this.exited = false;
    this.attached = new Promise((resolve, reject) => {
      this.onAttach = (ok, lines) =>
        ok ? resolve() : reject(new Error(`attach failed: ${lines.join('; ')}`));
    });
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk) => this.onData(chunk, wallMs()));
    child.stdin.on('error', () => undefined);
    child.on('close', () => this.onExit('client ended'));
  }

  // Writes one command line; resolves with { ok, lines } when its %end/%error block arrives.
  run(line) {
    if (this.exited) return Promise.reject(new Error('raw control client is gone'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  async must(line) {
    const reply = await within(this.run(line), 10_000, `raw control: ${line.slice(0, 60)}`);
    if (!reply.ok) throw new Error(`raw control \`${line.slice(0, 60)}\` failed: ${reply.lines.join('; ')}`);
    return reply.lines;
  }

  // Resolves with the wall time (ms) of the output chunk in which `pane` printed `text` as a whole line.
  watch(pane, text) {
    return new Promise((resolve) => this.watchers.set(`${pane}\0${text}`, resolve));
  }

  // Types a line into a pane (literal keys, then Enter): two commands, two reply blocks.
  typeLine(pane, text) {
    return Promise.all([
      this.run(`send-keys -t ${pane} -l ${cq(text)}`),
      this.run(`send-keys -t ${pane} Enter`),
    ]);
  }

  close() {
    if (this.exited) return Promise.resolve();
    const gone = new Promise((resolve) => this.child.once('close', resolve));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1_000);
    return gone.finally(() => clearTimeout(timer));
  }

  onData(chunk, at) {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop();
    for (const line of lines) this.onLine(line, at);
  }

  onLine(line, at) {
    if (this.block) {
      const end = /^%(end|error) \d+ (\d+) (\d+)$/.exec(line);
      if (end && Number(end[2]) === this.block.number) {
        const { flags, lines } = this.block;
        this.block = null;
        this.onBlock(end[1] === 'end', flags, lines);
      } else this.block.lines.push(line);
      return;
    }
    if (line.startsWith('%begin ')) {
      const [, , number, flags] = line.split(' ');
      this.block = { number: Number(number), flags: Number(flags), lines: [] };
    } else if (line.startsWith('%output ')) {
      const space = line.indexOf(' ', 8);
      this.onOutput(line.slice(8, space), decodeOctal(line.slice(space + 1)), at);
    } else if (line.startsWith('%exit')) this.onExit(line);
  }

  onBlock(ok, flags, lines) {
    if (this.onAttach && !(flags & 1)) {
      this.onAttach(ok, lines);
      this.onAttach = null;
      return;
    }
    if (flags & 1) this.pending.shift()?.resolve({ ok, lines });
  }

  onOutput(pane, text, at) {
    const parts = ((this.paneText.get(pane) ?? '') + text).split('\n');
    this.paneText.set(pane, parts.pop().slice(-4096));
    if (this.watchers.size === 0) return;
    for (const raw of parts) {
      const key = `${pane}\0${cleanLine(raw)}`;
      const resolve = this.watchers.get(key);
      if (resolve) {
        this.watchers.delete(key);
        resolve(at);
      }
    }
  }

  onExit(reason) {
    if (this.exited) return;
    this.exited = true;
    this.onAttach?.(false, [reason]);
    for (const p of this.pending.splice(0)) p.reject(new Error(`raw control client exited: ${reason}`));
  }
}
