// The "baseline" side: how most controllers drive tmux (libtmux-style), written plainly: a new
// `tmux` process per command (execFile), and completion seen by `capture-pane -p -J` polling
// every 500 ms. The poll clock is independent of the sends: it ticks at t0 + k·500 ms with a
// random t0, so a latency sample is not biased by the moment the task was typed.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execFile } from './context.mjs';
import { monoMs, sleep, wallMs, within } from './stats.mjs';

export const POLL_INTERVAL_MS = 500;

// The shell every reference pane runs (no rc files, predictable, no history).
export const REF_SHELL = 'bash --norc --noprofile -i';

// A task line for the reference sides: runs `command`, stamps $EPOCHREALTIME, then prints an end
// marker built at run time (the typed line, echoed by the shell, never contains it).
export function refTask(ctx, command) {
  const id = randomBytes(6).toString('hex');
  const stamp = join(ctx.stampDir, id);
  return {
    id,
    stamp,
    marker: `---END-OF-OUTPUT-${id}---`,
    line: `${command}; echo "$EPOCHREALTIME" > ${stamp}; M=---END; echo "$M-OF-OUTPUT-${id}---"`,
  };
}

// A line that makes a shell at its prompt print `marker` (split literals, as tmuxorch's probe).
export function readyProbe() {
  const id = randomBytes(6).toString('hex');
  return { marker: `---READY-${id}---`, line: `printf '%s%s\\n' '---READY' '-${id}---'` };
}

// A tmux process per command.
export class ExecClient {
  constructor(ctx) {
    this.ctx = ctx;
  }

  async run(args) {
    const { stdout } = await execFile('tmux', this.ctx.tmuxArgs(args), {
      env: this.ctx.env,
      timeout: 10_000,
    });
    return stdout.replace(/\n$/, '').split('\n');
  }

  // libtmux's send_keys(cmd, enter=True): the text (literal), then Enter: two processes.
  async typeLine(pane, text) {
    await this.run(['send-keys', '-t', pane, '-l', '--', text]);
    await this.run(['send-keys', '-t', pane, 'Enter']);
  }

  async capture(pane) {
    return (await this.run(['capture-pane', '-p', '-J', '-t', pane])).map((l) => l.trimEnd());
  }

  async newWindow(session, command = REF_SHELL) {
    const [pane] = await this.run([
      'new-window',
      '-d',
      '-P',
      '-F',
      '#{pane_id}',
      '-t',
      `${session}:`,
      command,
    ]);
    return pane;
  }
}

// Polls one pane every POLL_INTERVAL_MS on its own clock; a capture is taken on a tick only
// while some text is expected. expect() resolves with the wall time the capture showing it returned.
export class Poller {
  constructor(exec, pane, intervalMs = POLL_INTERVAL_MS) {
    this.exec = exec;
    this.pane = pane;
    this.intervalMs = intervalMs;
    this.expected = new Map();
    this.stopped = false;
    this.polls = 0;
    this.done = this.loop();
  }

  expect(text) {
    return new Promise((resolve) => this.expected.set(text, resolve));
  }

  stop() {
    this.stopped = true;
    return this.done;
  }

  async loop() {
    let next = monoMs() + Math.random() * this.intervalMs;
    while (!this.stopped) {
      await sleep(Math.max(0, next - monoMs()));
      next += this.intervalMs;
      if (next < monoMs()) next = monoMs(); // a capture longer than the interval: poll again at once
      if (this.expected.size === 0 || this.stopped) continue;
      this.polls++;
      let lines;
      try {
        lines = await this.exec.capture(this.pane);
      } catch {
        continue;
      }
      const at = wallMs();
      for (const [text, resolve] of [...this.expected]) {
        if (lines.includes(text)) {
          this.expected.delete(text);
          resolve(at);
        }
      }
    }
  }
}

// Creates `count` panes in `session` (a process each, concurrently) and waits until every shell
// answered a ready probe typed through send-keys processes, seen by 500 ms capture-pane polling.
export async function baselineSpawn(ctx, session, count) {
  const exec = new ExecClient(ctx);
  const started = monoMs();
  const panes = await Promise.all(Array.from({ length: count }, () => exec.newWindow(session)));
  const pollers = panes.map((pane) => new Poller(exec, pane));
  try {
    await Promise.all(
      pollers.map(async (poller) => {
        const probe = readyProbe();
        const seen = poller.expect(probe.marker);
        await exec.typeLine(poller.pane, probe.line);
        await within(seen, 30_000, `baseline pane ${poller.pane} ready`);
      }),
    );
    return { ms: monoMs() - started, panes };
  } finally {
    await Promise.all(pollers.map((p) => p.stop()));
  }
}
