// A new tmux process per command: ~5 ms each, fine for one-shot CLI calls (DESIGN.md, TMUX-LIMITS.md).
import { execa } from 'execa';
import { TmuxNotFoundError } from '../../domain/errors.js';
import { escapeArgvWord } from './argv.js';
import {
  DEFAULT_TMUX_TIMEOUT_MS,
  socketArgs,
  type CommandResult,
  type RunOptions,
  type TmuxSocket,
  type TmuxTransport,
} from './transport.js';

// A tmux client started from inside tmux would otherwise talk to the enclosing server.
export function withoutTmuxVar(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.TMUX;
  delete copy.TMUX_PANE;
  return copy;
}

export interface ExecTransportOptions {
  readonly socket: TmuxSocket;
  readonly timeoutMs?: number;
  readonly tmuxBinary?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export class ExecTransport implements TmuxTransport {
  // Separate processes race each other.
  readonly ordered = false;
  private readonly binary: string;
  private readonly defaultTimeoutMs: number;

  constructor(private readonly options: ExecTransportOptions) {
    this.binary = options.tmuxBinary ?? 'tmux';
    this.defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS;
  }

  // Runs `tmux <socket flags> <args>`; never rejects for a tmux-level failure.
  async run(args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const started = performance.now();
    const argv = [...socketArgs(this.options.socket), ...args.map(escapeArgvWord)];
    const result = await execa(this.binary, argv, {
      reject: false,
      timeout: options.timeoutMs ?? this.defaultTimeoutMs,
      stdin: 'ignore',
      // Out of the terminal's process group: Ctrl-C must not kill a tmux call mid-cleanup.
      detached: true,
      env: withoutTmuxVar(this.options.env ?? process.env),
      extendEnv: false,
      stripFinalNewline: true,
    });
    if (result.code === 'ENOENT') {
      throw new TmuxNotFoundError(
        `tmux is not installed or not on PATH: install tmux (apt-get install tmux)`,
        {
          binary: this.binary,
        },
      );
    }
    const stdout = result.stdout === '' ? [] : String(result.stdout).split('\n');
    return {
      args,
      ok: !result.timedOut && result.exitCode === 0,
      stdout,
      stderr: String(result.stderr ?? ''),
      timedOut: result.timedOut,
      durationMs: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    // Nothing persistent to release.
  }
}
