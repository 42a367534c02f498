// The daemon's way to tmux: a persistent control-mode client while the session exists, a process
// per command otherwise (before the session is created, or after the server died). When the
// control client ends, `control-lost` fires at once: that is how the daemon notices a killed
// tmux server without polling.
import { EventEmitter } from 'node:events';
import { TmuxServerGoneError } from '../../domain/errors.js';
import { ControlTransport } from './control-transport.js';
import { ExecTransport } from './exec-transport.js';
import type {
  CommandResult,
  RunOptions,
  TmuxCommandObserver,
  TmuxSocket,
  TmuxTransport,
} from './transport.js';

export interface TmuxConnectionOptions {
  readonly socket: TmuxSocket;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface TmuxConnectionEvents {
  'control-lost': [reason: string | undefined];
}

export class TmuxConnection extends EventEmitter<TmuxConnectionEvents> implements TmuxTransport {
  readonly exec: ExecTransport;
  private control: ControlTransport | null = null;
  private observer: TmuxCommandObserver | null = null;

  constructor(private readonly options: TmuxConnectionOptions) {
    super();
    this.exec = new ExecTransport({
      socket: options.socket,
      timeoutMs: options.timeoutMs,
      ...(options.env ? { env: options.env } : {}),
    });
  }

  get ordered(): boolean {
    return this.controlAttached;
  }

  get controlAttached(): boolean {
    return this.control !== null && !this.control.closed;
  }

  // Attaches the control client to `session` (replacing an older one).
  async attach(session: string): Promise<void> {
    await this.detach();
    const control = await ControlTransport.connect({
      socket: this.options.socket,
      session,
      timeoutMs: this.options.timeoutMs,
      noOutput: true,
      ...(this.options.env ? { env: this.options.env } : {}),
    });
    control.once('exit', (reason) => {
      if (this.control !== control) return;
      this.control = null;
      this.emit('control-lost', reason);
    });
    this.control = control;
  }

  // Every command run through this connection is told to `observer` (null: none).
  observeCommands(observer: TmuxCommandObserver | null): void {
    this.observer = observer;
  }

  async run(args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const result = await this.runOnce(args, options);
    if (this.observer) {
      try {
        this.observer(args[0] ?? '', result.durationMs, result.timedOut);
      } catch {
        // An observer's failure is not the command's.
      }
    }
    return result;
  }

  private async runOnce(args: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const control = this.control;
    if (control && !control.closed) {
      try {
        return await control.run(args, options);
      } catch (error) {
        if (!(error instanceof TmuxServerGoneError)) throw error;
        // The control client just went away: the command may still succeed as a process.
      }
    }
    return this.exec.run(args, options);
  }

  async detach(): Promise<void> {
    const control = this.control;
    this.control = null;
    await control?.close();
  }

  async close(): Promise<void> {
    await this.detach();
  }
}
