// Creates or adopts the tmux session and keeps window 0 running the live status view.
// A session records the tmuxorch home that owns it, so two homes never drive one session.
import { SessionOwnedElsewhereError, TmuxTimeoutError } from '../../domain/errors.js';
import { HOME_OPTION, ROLE_OPTION } from '../../infrastructure/tmux/format.js';
import type { TmuxPort } from '../ports/tmux.js';

export const STATUS_ROLE = 'status';

export interface SessionSpec {
  readonly session: string;
  readonly home: string;
  // argv of the live status view (`tmuxorch status --watch`).
  readonly statusCommand: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export interface EnsureResult {
  readonly created: boolean;
}

export class SessionKeeper {
  constructor(
    private readonly server: TmuxPort,
    private readonly spec: SessionSpec,
  ) {}

  // Makes sure the session exists and is ours; creates it with the status view as window 0.
  async ensureSession(): Promise<EnsureResult> {
    const { session, home } = this.spec;
    const exists = await this.server.hasSession(session);
    if (!exists.known) throw new TmuxTimeoutError(`tmux did not answer: ${exists.reason}`, { session });
    if (exists.value) {
      const owner = await this.server.sessionOption(session, HOME_OPTION);
      if (owner && owner !== home) {
        throw new SessionOwnedElsewhereError(
          `tmux session "${session}" belongs to the tmuxorch home ${owner}: use --session to pick another name, or TMUXORCH_HOME=${owner}`,
          { session, owner, home },
        );
      }
      if (!owner) await this.server.setSessionOption(session, HOME_OPTION, home);
      await this.ensureStatusWindow();
      return { created: false };
    }
    const created = await this.server.newSession({
      session,
      name: 'controller',
      cwd: home,
      command: this.spec.statusCommand,
      env: this.spec.env,
    });
    await this.markStatusPane(created.paneId, created.windowId);
    if (created.windowIndex !== 0)
      await this.server.moveWindow(created.windowId, `=${session}:0`).catch(() => undefined);
    await this.server.setSessionOption(session, HOME_OPTION, home);
    return { created: true };
  }

  // Re-creates the status view if a human closed window 0 or it died.
  async ensureStatusWindow(): Promise<void> {
    const panes = await this.server.listPanes();
    if (!panes.known) return;
    const { session } = this.spec;
    const status = panes.value.find((p) => p.sessionName === session && p.role === STATUS_ROLE);
    if (status && !status.paneDead) return;
    if (status) {
      await this.server.pane(status.paneId).respawn(this.spec.statusCommand, this.spec.home, this.spec.env);
      return;
    }
    const created = await this.server.newWindow(session, {
      name: 'controller',
      cwd: this.spec.home,
      command: this.spec.statusCommand,
      env: this.spec.env,
    });
    await this.markStatusPane(created.paneId, created.windowId);
    const zeroTaken = panes.value.some((p) => p.sessionName === session && p.windowIndex === 0);
    if (!zeroTaken) await this.server.moveWindow(created.windowId, `=${session}:0`).catch(() => undefined);
  }

  private async markStatusPane(paneId: string, windowId: string): Promise<void> {
    await this.server.pane(paneId).setOption(ROLE_OPTION, STATUS_ROLE);
    await this.server.setWindowOption(windowId, 'remain-on-exit', 'on');
  }
}
