// Puts a worker into a pane: creates (or respawns) it in its project directory, tags the pane with
// the worker id, pipes its output to the worker's log, waits until the shell answers a ready
// probe (keys typed before that can be lost or land in the wrong place), then starts the agent.
// A tmux command that timed out (a frozen server) has an unknown outcome: the launcher waits for
// the server to answer and goes on with what it finds (a late window is adopted, not orphaned).
import { access, constants } from 'node:fs/promises';
import { nanoid } from 'nanoid';
import type { ProfileRegistry } from '../domain/agents/registry.js';
import { sessionArgv } from '../domain/agents/session-argv.js';
import type { HookLog } from './hook-log.js';
import { ProjectNotFoundError, WorkerUnavailableError } from '../domain/errors.js';
import { buildReadyProbe } from '../domain/marker.js';
import type { Worker } from '../domain/worker.js';
import { writeFileAtomic } from '../infrastructure/fs/atomic-file.js';
import { installSimCommand } from '../infrastructure/process/bundled-agent.js';
import { toShellCommand } from '../infrastructure/tmux/argv.js';
import { WORKER_OPTION } from '../infrastructure/tmux/format.js';
import type { TmuxServer } from '../infrastructure/tmux/server.js';
import { WORKER_RC, workerShell } from '../worker/shell.js';
import type { WorkerChannel } from './worker-channel.js';
import { isTmuxTimeout, waitForTmuxAnswer } from './tmux-outcome.js';

export const READY_TIMEOUT_MS = 15_000;
// Setup steps retried after a tmux timeout (the server froze mid-way).
const SETUP_ATTEMPTS = 3;

export interface PanePlacement {
  readonly paneId: string;
  readonly windowId: string;
}

export interface LauncherContext {
  readonly server: TmuxServer;
  readonly session: string;
  // PATH and the like, from the controller's environment.
  readonly baseEnv: Readonly<Record<string, string>>;
  // Secret values by name, for the workers that were given them (memory only, never on disk).
  readonly secretValue: (workerId: string, name: string) => string | undefined;
  // Where the worker shells' rc file is written.
  readonly rcFile: string;
  // Where the `tmuxorch-sim` command for the panes is written (put first on their PATH).
  readonly binDir: string;
  // The sim agent's home (its sessions) unless the environment names one: inside the fleet's home.
  readonly simHome: string;
  readonly profiles: ProfileRegistry;
  readonly hooks: HookLog;
}

// Fails with a clear sentence when the project directory is not there.
export async function checkProject(project: string): Promise<void> {
  try {
    await access(project, constants.R_OK | constants.X_OK);
  } catch {
    throw new ProjectNotFoundError(`project directory ${project} does not exist or cannot be entered`, {
      project,
    });
  }
}

export class WorkerLauncher {
  constructor(private readonly ctx: LauncherContext) {}

  // The PATH worker panes start with (where their programs are looked up).
  get panePath(): string {
    const path = this.ctx.baseEnv.PATH ?? '';
    return path ? `${this.ctx.binDir}:${path}` : this.ctx.binDir;
  }

  // The environment a worker's pane starts with.
  envFor(worker: Worker): Record<string, string> {
    const env: Record<string, string> = {
      ...this.ctx.baseEnv,
      PATH: this.panePath,
      TMUXORCH_SIM_HOME: this.ctx.baseEnv.TMUXORCH_SIM_HOME ?? this.ctx.simHome,
      ...(this.ctx.profiles.get(worker.type)?.fixedEnv ?? {}),
      ...worker.env,
      PS1: '$ ',
      HISTFILE: '/dev/null',
      TMUXORCH_WORKER_ID: worker.id,
      TMUXORCH_WORKER_NAME: worker.name,
    };
    for (const name of worker.secretEnv) {
      const value = this.ctx.secretValue(worker.id, name);
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  // A new window for the worker, or its old pane respawned in place when tmux still has it.
  async place(worker: Worker, channel: WorkerChannel, deadPaneId: string | null): Promise<PanePlacement> {
    await checkProject(worker.project);
    await this.prepare();
    const shell = workerShell(this.ctx.rcFile);
    const env = this.envFor(worker);
    let placement: PanePlacement;
    if (deadPaneId) {
      const pane = this.ctx.server.pane(deadPaneId);
      // Timed out: a frozen server respawns it once it wakes; the steps below then see the result.
      await this.lateIsDone(() => pane.respawn(shell, worker.project, env));
      placement = { paneId: deadPaneId, windowId: worker.windowId ?? '' };
    } else {
      let created: PanePlacement;
      try {
        created = await this.ctx.server.newWindow(this.ctx.session, {
          name: worker.name,
          cwd: worker.project,
          command: shell,
          env,
        });
      } catch (error) {
        if (!isTmuxTimeout(error)) throw error;
        created = await this.adoptLateWindow(worker, error);
      }
      placement = { paneId: created.paneId, windowId: created.windowId };
      // A crashed program then shows as a dead pane with its exit status instead of vanishing.
      await this.lateIsDone(() => this.ctx.server.setWindowOption(created.windowId, 'remain-on-exit', 'on'));
    }
    const pane = this.ctx.server.pane(placement.paneId);
    try {
      // Each step is idempotent: one that timed out is done again once tmux answers.
      for (let attempt = 1; ; attempt++) {
        try {
          await pane.setOption(WORKER_OPTION, worker.id);
          await pane.pipeToFile(channel.logFile);
          await this.waitReady(placement.paneId, channel);
          break;
        } catch (error) {
          if (!isTmuxTimeout(error) || attempt >= SETUP_ATTEMPTS) throw error;
          if (!(await waitForTmuxAnswer(this.ctx.server))) throw error;
        }
      }
      // An interactive agent's TUI starts in the shell (a one-shot agent runs per task).
      if (worker.mode === 'interactive') await pane.sendText(toShellCommand(this.tuiArgv(worker)));
    } catch (error) {
      // A window we just made and could not bring up would be an orphan nobody manages.
      if (!deadPaneId) await this.ctx.server.killWindow(placement.windowId).catch(() => undefined);
      throw error;
    }
    return placement;
  }

  // Runs a command whose late execution is as good as a timely one: a timeout waits for tmux.
  private async lateIsDone(command: () => Promise<void>): Promise<void> {
    try {
      await command();
    } catch (error) {
      if (!isTmuxTimeout(error) || !(await waitForTmuxAnswer(this.ctx.server))) throw error;
    }
  }

  // A new-window that timed out may have made its window late (a frozen server runs it on
  // waking): once tmux answers, an untagged window of ours under the worker's name is that
  // window. It is adopted (one of them; any other is closed), so nothing is left unmanaged.
  private async adoptLateWindow(worker: Worker, timeout: unknown): Promise<PanePlacement> {
    const { server, session } = this.ctx;
    if (!(await waitForTmuxAnswer(server))) throw timeout;
    const panes = await server.listPanes();
    if (!panes.known) throw timeout;
    const late = panes.value
      .filter(
        (p) =>
          p.sessionName === session && p.windowName === worker.name && p.workerId === null && p.role === '',
      )
      .sort((a, b) => b.windowIndex - a.windowIndex);
    const [adopted, ...others] = late;
    for (const other of others) await server.killWindow(other.windowId);
    if (!adopted) throw timeout;
    return { paneId: adopted.paneId, windowId: adopted.windowId };
  }

  // The TUI's argv: the worker's conversation resumed, or a new one under the id chosen for it,
  // with our hook settings where the CLI takes them.
  tuiArgv(worker: Worker): string[] {
    const profile = this.ctx.profiles.require(worker.type);
    const spec = profile.interactive;
    if (!spec) throw new Error(`${profile.displayName} has no interactive mode`);
    const argv = sessionArgv(profile, spec, {
      sessionId: worker.agentSessionId,
      sessionStarted: worker.agentSessionStarted,
      role: worker.role,
    });
    // Our hook flags last (these CLIs take their options in any order).
    if (spec.hooks === 'claude-settings') argv.push('--settings', this.ctx.hooks.settingsFile(worker.id));
    if (spec.hooks === 'codex-notify') argv.push(...this.ctx.hooks.codexNotifyArgs(worker.id));
    return argv;
  }

  private rcWritten = false;

  // Writes the rc file and the tmuxorch-sim command once, before the first pane needs them.
  async prepare(): Promise<void> {
    if (this.rcWritten) return;
    await writeFileAtomic(this.ctx.rcFile, WORKER_RC, 0o644);
    await installSimCommand(this.ctx.binDir);
    this.rcWritten = true;
  }

  // Types a ready probe and waits for the shell to print it; cancels copy-mode first.
  async waitReady(paneId: string, channel: WorkerChannel, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const pane = this.ctx.server.pane(paneId);
    await pane.leaveModes();
    const probeId = `r${nanoid(10).replace(/[^A-Za-z0-9]/g, '0')}`;
    const ready = channel.waitReady(probeId, timeoutMs);
    await pane.sendText(buildReadyProbe(probeId));
    if (!(await ready)) {
      throw new WorkerUnavailableError(
        `worker pane ${paneId} did not reach its shell prompt within ${timeoutMs} ms`,
        {
          paneId,
        },
      );
    }
  }
}
