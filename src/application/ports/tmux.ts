// What the use cases need of tmux, and nothing else: named operations on the server, its panes and
// the control connection. infrastructure/tmux/ implements them (TmuxServer, Pane, TmuxConnection
// satisfy these shapes); the composition root (controller/composition-root.ts) hands them over,
// and a test can hand over a fake. No raw tmux command line crosses this line.
import type { PaneRow, ServerIdentity } from '../../infrastructure/tmux/format.js';
import type {
  CreatedWindow,
  NewSessionSpec,
  NewWindowSpec,
  Probe,
} from '../../infrastructure/tmux/server.js';
import type { CaptureOptions } from '../../infrastructure/tmux/pane.js';

export type { CaptureOptions, CreatedWindow, NewSessionSpec, NewWindowSpec, PaneRow, Probe, ServerIdentity };

// One pane, by its id (%N).
export interface PanePort {
  readonly id: string;
  // Literal text, each line submitted with Enter (`enter: false`: the last one not).
  sendText(text: string, options?: { enter?: boolean }): Promise<void>;
  // Leaves any mode a human left the pane in, then types the line and Enter.
  typeLine(text: string): Promise<void>;
  // One bracketed paste of a file's text; nothing submitted.
  pasteFile(file: string, bufferName: string): Promise<void>;
  sendKeys(...keys: string[]): Promise<void>;
  capture(options?: CaptureOptions): Promise<string>;
  currentCommand(): Promise<string>;
  leaveModes(): Promise<void>;
  setOption(name: string, value: string): Promise<void>;
  unsetOption(name: string): Promise<void>;
  pid(): Promise<number | null>;
  // Appends what the pane prints to a file, through `filter`.
  pipeToFile(file: string, filter?: readonly string[]): Promise<void>;
  respawn(command: readonly string[], cwd: string, env: Readonly<Record<string, string>>): Promise<void>;
  kill(): Promise<void>;
}

// The tmux server of the fleet's socket.
export interface TmuxPort {
  pane(id: string): PanePort;
  // pid + start time of the running server; `value: null` when none runs.
  identity(): Promise<Probe<ServerIdentity | null>>;
  hasSession(session: string): Promise<Probe<boolean>>;
  // Every pane of the server in one query.
  listPanes(): Promise<Probe<PaneRow[]>>;
  // Each session's values of `formats`; [] when no server runs.
  listSessions(formats: readonly string[]): Promise<string[][]>;
  newSession(spec: NewSessionSpec): Promise<CreatedWindow>;
  newWindow(session: string, spec: NewWindowSpec): Promise<CreatedWindow>;
  setSessionOption(session: string, name: string, value: string): Promise<void>;
  unsetSessionOption(session: string, name: string): Promise<void>;
  sessionOption(session: string, name: string): Promise<string | null>;
  setWindowOption(windowId: string, name: string, value: string): Promise<void>;
  moveWindow(windowId: string, target: string): Promise<void>;
  killWindow(windowId: string): Promise<void>;
  killSession(session: string): Promise<void>;
  deleteBuffer(name: string): Promise<void>;
}

// The control-mode client the fleet keeps attached to its session (tmux's pane events, fast
// commands); 'control-lost' when it drops.
export interface TmuxControlPort {
  attach(session: string): Promise<void>;
  on(event: 'control-lost', listener: (reason: string | undefined) => void): unknown;
  close(): Promise<void>;
  // Tells `observer` of every tmux command run (name, duration, timed out): metrics. Optional.
  observeCommands?(observer: ((command: string, durationMs: number, timedOut: boolean) => void) | null): void;
}
