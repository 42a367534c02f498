// The port every tmux call goes through. Two implementations: ExecTransport (a tmux process per
// command, for one-shot CLI calls) and ControlTransport (one persistent `tmux -C` client, for the daemon).

// Outcome of one tmux command. A tmux failure is data (`ok: false`); only a broken transport throws.
// `timedOut: true` means "unknown": the server may be slow or wedged, so callers must not read it as "dead".
export interface CommandResult {
  readonly args: readonly string[];
  readonly ok: boolean;
  readonly stdout: readonly string[];
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

// Told of every command a connection ran: its name (argv[0]), how long it took, and whether it
// timed out (metrics). Must not throw, and must be cheap: it runs on every tmux call.
export type TmuxCommandObserver = (command: string, durationMs: number, timedOut: boolean) => void;

export interface RunOptions {
  // Give up waiting after this long; the result then has `timedOut: true`. Default: the transport's.
  readonly timeoutMs?: number;
}

export interface TmuxTransport {
  // True when commands issued without awaiting run in the order they were issued (one control
  // client: tmux reads its lines in order). Callers may then pipeline a sequence in one round trip.
  readonly ordered: boolean;
  // Runs one tmux command (argv form, no leading `tmux`, no socket flags).
  run(args: readonly string[], options?: RunOptions): Promise<CommandResult>;
  // Releases the transport (ends a control client); idempotent.
  close(): Promise<void>;
}

// Where the tmux server lives: `-L name`, `-S path`, or the user's default server.
export interface TmuxSocket {
  readonly name?: string;
  readonly path?: string;
  // Config file for a server this process starts (`-f`); tests pass /dev/null.
  readonly configFile?: string;
}

// The flags that select the server, for argv of a tmux process.
export function socketArgs(socket: TmuxSocket): string[] {
  const args: string[] = [];
  if (socket.path) args.push('-S', socket.path);
  else if (socket.name) args.push('-L', socket.name);
  if (socket.configFile) args.push('-f', socket.configFile);
  return args;
}

export const DEFAULT_TMUX_TIMEOUT_MS = 5_000;
