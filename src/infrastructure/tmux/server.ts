// The tmux server: the only object that knows how to reach it (through its transport).
// Sessions and panes hold ids and delegate here (libtmux's Server/Session/Pane split).
import { TmuxCommandError } from '../../domain/errors.js';
import { toShellCommand } from './argv.js';
import {
  FIELD_SEPARATOR,
  PANE_FORMAT,
  SERVER_IDENTITY_FORMAT,
  parsePaneRows,
  parseServerIdentity,
  type PaneRow,
  type ServerIdentity,
} from './format.js';
import { Pane } from './pane.js';
import type { CommandResult, TmuxTransport } from './transport.js';

export interface NewWindowSpec {
  readonly name: string;
  readonly cwd: string;
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface NewSessionSpec extends NewWindowSpec {
  readonly session: string;
  readonly cols?: number;
  readonly rows?: number;
}

export interface CreatedWindow {
  readonly windowId: string;
  readonly paneId: string;
  readonly windowIndex: number;
}

// Answer of a query that may time out: `unknown` must never be read as "gone".
export type Probe<T> =
  { readonly known: true; readonly value: T } | { readonly known: false; readonly reason: string };

const CREATED_FORMAT = `#{window_id}${FIELD_SEPARATOR}#{pane_id}${FIELD_SEPARATOR}#{window_index}`;

function envArgs(env: Readonly<Record<string, string>> = {}): string[] {
  return Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}

function parseCreated(result: CommandResult): CreatedWindow {
  const [windowId, paneId, index] = (result.stdout[0] ?? '').split(FIELD_SEPARATOR);
  if (!windowId || !paneId) {
    throw new TmuxCommandError('tmux did not report the new window', { stdout: result.stdout });
  }
  return { windowId, paneId, windowIndex: Number(index) };
}

// "no server running", "error connecting", "no sessions": the server or session is not there.
export function isNoServer(result: CommandResult): boolean {
  return (
    !result.ok &&
    !result.timedOut &&
    /no server running|error connecting|No such file|no sessions/i.test(result.stderr)
  );
}

export class TmuxServer {
  constructor(readonly transport: TmuxTransport) {}

  run(args: readonly string[]): Promise<CommandResult> {
    return this.transport.run(args);
  }

  // Runs a command and throws TMUX_COMMAND_FAILED unless it succeeded.
  async ok(args: readonly string[]): Promise<CommandResult> {
    const result = await this.transport.run(args);
    if (!result.ok) {
      const why = result.timedOut ? 'timed out' : result.stderr.trim() || `exited non-zero`;
      throw new TmuxCommandError(`tmux ${args[0]} failed: ${why}`, {
        subcommand: args[0],
        stderr: result.stderr,
        timedOut: result.timedOut,
      });
    }
    return result;
  }

  pane(id: string): Pane {
    return new Pane(this.transport, id);
  }

  // pid + start time of the running server; `value: null` when no server runs.
  async identity(): Promise<Probe<ServerIdentity | null>> {
    const result = await this.transport.run(['display-message', '-p', SERVER_IDENTITY_FORMAT]);
    if (result.timedOut) return { known: false, reason: 'tmux did not answer in time' };
    if (!result.ok) {
      // display-message needs a session for some formats; with no session the server may still run.
      if (isNoServer(result)) return { known: true, value: null };
      const fallback = await this.transport.run(['list-sessions', '-F', SERVER_IDENTITY_FORMAT]);
      if (fallback.timedOut) return { known: false, reason: 'tmux did not answer in time' };
      return { known: true, value: fallback.ok ? parseServerIdentity(fallback.stdout[0]) : null };
    }
    return { known: true, value: parseServerIdentity(result.stdout[0]) };
  }

  async hasSession(session: string): Promise<Probe<boolean>> {
    const result = await this.transport.run(['has-session', '-t', `=${session}`]);
    if (result.timedOut) return { known: false, reason: 'tmux did not answer in time' };
    return { known: true, value: result.ok };
  }

  // Every pane of the server in one query (one health sweep = one command, not one per pane).
  async listPanes(): Promise<Probe<PaneRow[]>> {
    const result = await this.transport.run(['list-panes', '-a', '-F', PANE_FORMAT]);
    if (result.timedOut) return { known: false, reason: 'tmux did not answer in time' };
    if (!result.ok) {
      if (isNoServer(result)) return { known: true, value: [] };
      return { known: false, reason: result.stderr.trim() || 'list-panes failed' };
    }
    return { known: true, value: parsePaneRows(result.stdout) };
  }

  async newSession(spec: NewSessionSpec): Promise<CreatedWindow> {
    const result = await this.ok([
      'new-session',
      '-d',
      '-P',
      '-F',
      CREATED_FORMAT,
      '-s',
      spec.session,
      '-n',
      spec.name,
      '-c',
      spec.cwd,
      '-x',
      String(spec.cols ?? 200),
      '-y',
      String(spec.rows ?? 50),
      ...envArgs(spec.env),
      toShellCommand(spec.command),
    ]);
    return parseCreated(result);
  }

  // A new window at the end of `session`, not selected (a human watching is not disturbed).
  async newWindow(session: string, spec: NewWindowSpec): Promise<CreatedWindow> {
    const result = await this.ok([
      'new-window',
      '-d',
      '-P',
      '-F',
      CREATED_FORMAT,
      '-t',
      `=${session}:`,
      '-n',
      spec.name,
      '-c',
      spec.cwd,
      ...envArgs(spec.env),
      toShellCommand(spec.command),
    ]);
    return parseCreated(result);
  }

  async setSessionOption(session: string, name: string, value: string): Promise<void> {
    await this.ok(['set-option', '-t', `=${session}:`, name, value]);
  }

  async unsetSessionOption(session: string, name: string): Promise<void> {
    await this.transport.run(['set-option', '-u', '-t', `=${session}:`, name]);
  }

  async sessionOption(session: string, name: string): Promise<string | null> {
    const result = await this.transport.run(['show-options', '-v', '-t', `=${session}:`, name]);
    return result.ok ? (result.stdout[0] ?? '') : null;
  }

  async setWindowOption(windowId: string, name: string, value: string): Promise<void> {
    await this.ok(['set-option', '-w', '-t', windowId, name, value]);
  }

  async moveWindow(windowId: string, target: string): Promise<void> {
    await this.ok(['move-window', '-s', windowId, '-t', target]);
  }

  async killWindow(windowId: string): Promise<void> {
    await this.transport.run(['kill-window', '-t', windowId]);
  }

  // Each session with the values of the formats asked for (`#{session_name}` first, say); [] when
  // no server runs.
  async listSessions(formats: readonly string[]): Promise<string[][]> {
    const result = await this.transport.run(['list-sessions', '-F', formats.join(FIELD_SEPARATOR)]);
    return result.ok ? result.stdout.map((line) => line.split(FIELD_SEPARATOR)) : [];
  }

  async deleteBuffer(name: string): Promise<void> {
    await this.transport.run(['delete-buffer', '-b', name]);
  }

  async killSession(session: string): Promise<void> {
    await this.transport.run(['kill-session', '-t', `=${session}`]);
  }
}
