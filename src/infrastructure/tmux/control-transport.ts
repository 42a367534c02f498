// One persistent `tmux -C attach-session` client: ~0.1 ms per command, pane output as events.
//
// Design:
// - Matching: every run() writes one line, every word single-quoted (toControlLine), so tmux never
//   splits it on `;` and it yields one reply block. Replies come back in the order the lines were
//   written; blocks with flags bit 1 (commands this client sent) are matched FIFO to the pending
//   queue. Blocks with flags 0 (the attach itself, hooks) are never matched. Block numbers must
//   grow; a block that does not is ignored.
// - Nested commands: source-file, if-shell and run-shell (-C) add one extra flags-1 block per
//   command they run, right after their own block. For those, a sync line `display-message -p
//   <token>` is written after the command and the slot takes every block up to the token's.
// - Attach: connect() spawns the client and writes nothing until the first block (flags 0, the
//   attach's own reply) has arrived; if it is `%error` (no such session, no server) or the client
//   exits first, connect() rejects with TmuxServerGoneError. Then `refresh-client -C WxH` sizes the
//   client. The `window-size` option is never touched (tmux 3.3a segfaults, see TMUX-LIMITS.md).
// - Timeout: run() resolves `{ ok: false, timedOut: true }` but the slot stays queued, so the late
//   reply is swallowed and later commands stay aligned.
// - Exit: `%exit` or the end of the process emits 'exit' once; then every pending and later run()
//   rejects with TmuxServerGoneError. close() ends stdin (tmux detaches) and kills the pid after 1 s.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { TmuxNotFoundError, TmuxServerGoneError, TmuxTimeoutError } from '../../domain/errors.js';
import { escapeArgvWord, toControlLine } from './argv.js';
import { ControlParser, type ControlEvent } from './control-parser.js';
import { withoutTmuxVar } from './exec-transport.js';
import { DEFAULT_TMUX_TIMEOUT_MS, socketArgs } from './transport.js';
import type { CommandResult, RunOptions, TmuxSocket, TmuxTransport } from './transport.js';

// Events of a control client: decoded pane bytes, the end of the client, other notifications.
export interface ControlTransportEvents {
  output: [paneId: string, data: Buffer];
  exit: [reason: string | undefined];
  notification: [name: string, args: string[]];
}

// How to attach: which server and session, the default command timeout, the client's size.
export interface ControlConnectOptions {
  readonly socket: TmuxSocket;
  readonly session: string;
  readonly timeoutMs?: number;
  readonly size?: { readonly cols: number; readonly rows: number };
  readonly env?: NodeJS.ProcessEnv;
  // Ask tmux (3.2+) to stop sending %output; for clients that only run commands.
  readonly noOutput?: boolean;
  readonly tmuxBinary?: string;
}

interface Pending {
  readonly args: readonly string[];
  readonly started: number;
  readonly sync: string | undefined; // token of the sync line that ends this slot
  readonly stdout: string[];
  readonly errors: string[];
  timer?: NodeJS.Timeout;
  settled?: boolean;
  failed?: boolean;
  resolve(result: CommandResult): void;
  reject(error: Error): void;
}

const NESTING = ['source-file', 'if-shell', 'run-shell'];
const NESTING_ALIASES = ['source', 'if', 'run'];
const KILL_AFTER_MS = 1_000;
const NOT_FOUND = 'tmux is not installed or not on PATH: install tmux (apt-get install tmux)';

// True if tmux may answer this command with extra blocks (it runs commands of its own).
function mayNest(command: string | undefined): boolean {
  if (!command) return false;
  return NESTING_ALIASES.includes(command) || NESTING.some((name) => name.startsWith(command));
}

// A TmuxTransport over one `tmux -C` client; see the design notes at the top of this file.
export class ControlTransport extends EventEmitter<ControlTransportEvents> implements TmuxTransport {
  // tmux executes one client's lines in the order they arrive.
  readonly ordered = true;
  readonly pid: number;
  private readonly parser = new ControlParser();
  private queue: Pending[] = [];
  private head = 0;
  private attached = false;
  private lastNumber = -1;
  private syncCount = 0;
  private readonly syncPrefix = `tmuxorch-sync-${randomUUID()}-`;
  private exited = false;
  private closing: Promise<void> | undefined;
  private stderrTail = '';
  private readonly gone: Promise<void>;
  private onAttach: ((failure: Error | undefined) => void) | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly where: string,
    private readonly defaultTimeoutMs: number,
  ) {
    super();
    this.pid = child.pid ?? -1;
    child.stdout.on('data', (chunk: Buffer) => this.parser.push(chunk).forEach((e) => this.dispatch(e)));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4096);
    });
    child.stdin.on('error', () => undefined); // EPIPE after tmux died; 'close' reports the end
    child.on('error', () => undefined); // a failed kill(); 'close' still reports the end
    this.gone = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        this.finish(this.stderrTail.trim() || `tmux client ended (${signal ?? code})`);
        resolve();
      }),
    );
  }

  // Spawns `tmux -C attach-session -t <session>` and resolves once the client is attached and sized.
  static async connect(options: ControlConnectOptions): Promise<ControlTransport> {
    const { socket, session, tmuxBinary: binary = 'tmux' } = options;
    const where = `session "${session}" on tmux socket ${socket.path ?? socket.name ?? '(default)'}`;
    // no-output is set by the attach itself: set later with `refresh-client -f no-output`, tmux
    // 3.3a never answers it (nor any later command) when pane output was already queued for us.
    const flags = options.noOutput ? ['-f', 'no-output'] : [];
    const argv = [...socketArgs(socket), '-C', 'attach-session', ...flags, '-t', session].map(escapeArgvWord);
    // detached: a process group of its own, so a Ctrl-C meant for the CLI (`tmuxorch run`) does not
    // kill the client the CLI still needs to cancel its tasks and close its session.
    const child = spawn(binary, argv, { env: withoutTmuxVar(options.env ?? process.env), detached: true });
    const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined)).once('error', resolve);
    });
    if (failed?.code === 'ENOENT') {
      throw new TmuxNotFoundError(NOT_FOUND, { binary });
    }
    if (failed) throw new TmuxServerGoneError(`could not start a tmux client: ${failed.message}`, { binary });
    const timeoutMs = options.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS;
    const transport = new ControlTransport(child, where, timeoutMs);
    try {
      await transport.attach(timeoutMs);
      const { cols, rows } = options.size ?? { cols: 200, rows: 50 };
      await transport.mustRun(['refresh-client', '-C', `${cols}x${rows}`]);
      return transport;
    } catch (error) {
      await transport.close();
      throw error;
    }
  }

  // True once close() was called or the client ended.
  get closed(): boolean {
    return this.exited || this.closing !== undefined;
  }

  // Sends one command; resolves with its reply, or `timedOut` (the slot stays to absorb the late reply).
  async run(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (this.closed) throw this.goneError('the control client is closed');
    if (args.length === 0) throw new RangeError('run() needs a tmux command');
    const sync = mayNest(args[0]) ? `${this.syncPrefix}${this.syncCount++}` : undefined;
    let text = `${toControlLine(args)}\n`; // throws on a newline in an argument, before anything is queued
    if (sync) text += `${toControlLine(['display-message', '-p', sync])}\n`;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<CommandResult>((resolve, reject) => {
      const started = performance.now();
      const slot: Pending = { args, sync, started, stdout: [], errors: [], resolve, reject };
      slot.timer = setTimeout(() => this.settle(slot, timeoutMs), timeoutMs);
      this.queue.push(slot);
      this.child.stdin.write(text);
    });
  }

  // Detaches (end of stdin) and waits for the client to end; kills it by pid after a second. Idempotent.
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.exited) this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
      await this.gone;
      clearTimeout(timer);
    })();
    return this.closing;
  }

  private attach(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const late = () => `tmux did not attach a control client to ${this.where} within ${timeoutMs} ms`;
      const timer = setTimeout(() => this.onAttach?.(new TmuxTimeoutError(late())), timeoutMs);
      this.onAttach = (failure) => {
        clearTimeout(timer);
        this.onAttach = undefined;
        if (failure) reject(failure);
        else resolve();
      };
    });
  }

  private async mustRun(args: readonly string[]): Promise<void> {
    const result = await this.run(args);
    if (!result.ok) throw this.goneError(`\`${args.join(' ')}\` failed: ${result.stderr}`);
  }

  private dispatch(event: ControlEvent): void {
    if (event.kind === 'output') this.emit('output', event.paneId, event.data);
    else if (event.kind === 'notification') this.emit('notification', event.name, event.args);
    else if (event.kind === 'exit') this.finish(event.reason);
    else if (!this.attached) {
      if (event.flags & 1) return;
      this.attached = event.ok;
      this.onAttach?.(event.ok ? undefined : this.goneError(`cannot attach: ${event.lines.join('; ')}`));
    } else if (event.flags & 1 && event.number > this.lastNumber) {
      this.lastNumber = event.number;
      this.reply(event.ok, event.lines);
    }
  }

  private reply(ok: boolean, lines: string[]): void {
    const slot = this.queue[this.head];
    if (!slot) return; // a block nobody asked for; nothing to align
    if (slot.sync === undefined || !(ok && lines.length === 1 && lines[0] === slot.sync)) {
      (ok ? slot.stdout : slot.errors).push(...lines);
      slot.failed ||= !ok;
      if (slot.sync !== undefined) return; // more blocks to come, up to the sync line's
    }
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    clearTimeout(slot.timer);
    this.settle(slot); // a no-op when it timed out earlier: the late reply is swallowed
  }

  // Resolves a slot once: with its reply, or (given the timeout) as timed out.
  private settle(slot: Pending, timeoutMs?: number): void {
    if (slot.settled) return;
    slot.settled = true;
    const timedOut = timeoutMs !== undefined;
    const stderr = timedOut ? `no reply from tmux within ${timeoutMs} ms` : slot.errors.join('\n');
    const [ok, stdout] = timedOut ? [false, []] : [!slot.failed, slot.stdout];
    const durationMs = performance.now() - slot.started;
    slot.resolve({ args: slot.args, ok, stdout, stderr, timedOut, durationMs });
  }

  private finish(reason: string | undefined): void {
    if (this.exited) return;
    this.exited = true;
    const why = reason ? `: ${reason}` : '';
    this.onAttach?.(this.goneError(`the tmux control client exited before it attached${why}`));
    for (const slot of this.queue.slice(this.head)) {
      clearTimeout(slot.timer);
      if (!slot.settled) slot.reject(this.goneError(`the tmux control client exited${why}`));
      slot.settled = true;
    }
    this.queue = [];
    this.head = 0;
    this.emit('exit', reason);
  }

  private goneError(what: string): TmuxServerGoneError {
    const details = { stderr: this.stderrTail.trim(), pid: this.pid };
    return new TmuxServerGoneError(`${what} (${this.where})`, details);
  }
}
