// Puts a worker into a pane: creates (or respawns) it in its project directory, tags the pane with
// the worker id, pipes its output to the worker's log, waits until the shell answers a ready
// probe (keys typed before that can be lost or land in the wrong place), then starts the agent.
// A tmux command that timed out (a frozen server) has an unknown outcome: the launcher waits for
// the server to answer and goes on with what it finds (a late window is adopted, not orphaned).
import { cliPermissionsFor } from '../policy/agent-flags.js';
import { workerPaneEnv } from './worker-env.js';
import { sandboxedShell } from '../policy/worker-sandbox.js';
import { readdir, rm } from 'node:fs/promises';
import { checkProject } from '../../infrastructure/fs/project-directory.js';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import type { ProfileRegistry } from '../../domain/agents/registry.js';
import { sessionArgv } from '../../domain/agents/session-argv.js';
import type { HookLog } from '../../infrastructure/agents/hook-log.js';
import { WorkerUnavailableError } from '../../domain/errors.js';
import { buildReadyProbe } from '../../domain/marker.js';
import type { Worker } from '../../domain/worker.js';
import { writeFileAtomic } from '../../infrastructure/fs/atomic-file.js';
import { writePrivateFile } from '../../infrastructure/fs/private-file.js';
import { installSimCommand } from '../../infrastructure/process/bundled-agent.js';
import { findExecutable } from '../../infrastructure/process/executable.js';
import { WORKER_OPTION } from '../../infrastructure/tmux/format.js';
import type { TmuxPort } from '../ports/tmux.js';
import { buildLogFilterScript, logFilterValues } from '../../domain/worker-pane/log-filter.js';
import {
  ENV_FILE_VARIABLE,
  envFileText,
  WORKER_RC,
  workerShell,
} from '../../domain/worker-pane/worker-shell.js';
import type { WorkerChannel } from './worker-channel.js';
import { isTmuxTimeout, waitForTmuxAnswer } from '../fleet/tmux-outcome.js';

export const READY_TIMEOUT_MS = 15_000;
// Setup steps retried after a tmux timeout (the server froze mid-way).
const SETUP_ATTEMPTS = 3;

export interface PanePlacement {
  readonly paneId: string;
  readonly windowId: string;
}

export interface LauncherContext {
  readonly server: TmuxPort;
  readonly session: string;
  // PATH and the like, from the controller's environment.
  readonly baseEnv: Readonly<Record<string, string>>;
  // Secret values by name, for the workers that were given them (memory only, never on disk).
  readonly secretValue: (workerId: string, name: string) => string | undefined;
  // Every value to cut out of a worker's pane log (its secrets, the controller's secret env).
  readonly secretValues: (workerId: string) => string[];
  // Where the worker shells' rc file is written.
  readonly rcFile: string;
  // Where env files and the log filter's values wait for their reader (0700; each file 0600 and
  // deleted by its reader at once).
  readonly handoffDir: string;
  // What a sandbox hides (worker-sandbox.ts).
  readonly keyPaths: {
    readonly daemonKeyFile: string;
    readonly emptyKeyFile: string;
    readonly workerKeysDir: string;
  };
  // Where the pane-log filter script is written.
  readonly logFilterFile: string;
  // Where the `tmuxorch-sim` command for the panes is written (put first on their PATH).
  readonly binDir: string;
  // The sim agent's home (its sessions) unless the environment names one: inside the fleet's home.
  readonly simHome: string;
  // Where task outputs are written (writable inside a sandbox: a one-shot agent's answer goes there).
  readonly tasksDir: string;
  readonly profiles: ProfileRegistry;
  readonly hooks: HookLog;
  // Types an interactive worker's TUI into its shell and waits for its first screen (or its exit,
  // then recorded as the worker's lastError): tui-process.ts.
  readonly startTui: (worker: Worker, paneId: string) => Promise<unknown>;
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
    return workerPaneEnv(worker, this.ctx, this.panePath);
  }

  // What the worker's pane must not inherit (its TUI's profile says; a plain shell keeps all).
  unsetFor(worker: Worker): readonly string[] {
    if (worker.mode !== 'interactive') return [];
    return this.ctx.profiles.get(worker.type)?.interactive?.unsetEnv ?? [];
  }

  // A new window for the worker, or its old pane respawned in place when tmux still has it.
  async place(worker: Worker, channel: WorkerChannel, deadPaneId: string | null): Promise<PanePlacement> {
    await checkProject(worker.project);
    await this.prepare();
    // Built once (it writes the worker's hook settings): for the env file and for its sandbox.
    const paneEnv = this.envFor(worker);
    const shell = await this.sandboxed(worker, workerShell(this.ctx.rcFile), paneEnv);
    // The pane's env goes through a file its shell sources and deletes (see worker/shell.ts).
    const envFile = join(this.ctx.handoffDir, `${worker.id}.${nanoid(8).replace(/[^A-Za-z0-9]/g, '0')}.env`);
    await writePrivateFile(envFile, envFileText(paneEnv, this.unsetFor(worker)));
    const env = { [ENV_FILE_VARIABLE]: envFile };
    try {
      return await this.start(worker, channel, deadPaneId, shell, env);
    } finally {
      // Read and deleted by the shell before it answered the ready probe; gone in any case.
      await rm(envFile, { force: true });
    }
  }

  private async start(
    worker: Worker,
    channel: WorkerChannel,
    deadPaneId: string | null,
    shell: string[],
    env: Record<string, string>,
  ): Promise<PanePlacement> {
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
          await this.pipeLog(placement.paneId, worker.id, channel.logFile);
          await this.waitReady(placement.paneId, channel);
          break;
        } catch (error) {
          if (!isTmuxTimeout(error) || attempt >= SETUP_ATTEMPTS) throw error;
          if (!(await waitForTmuxAnswer(this.ctx.server))) throw error;
        }
      }
      // An interactive agent's TUI starts in the shell (a one-shot agent runs per task).
      if (worker.mode === 'interactive') await this.ctx.startTui(worker, placement.paneId);
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
      permissionArgs: worker.policy ? (cliPermissionsFor(profile, worker.policy.role)?.args ?? []) : [],
      model: worker.model,
    });
    // Our hook flags last (these CLIs take their options in any order).
    if (spec.hooks === 'claude-settings')
      argv.push('--settings', this.ctx.hooks.settingsFile(worker.id, worker.policy !== null));
    if (spec.hooks === 'codex-notify') argv.push(...this.ctx.hooks.codexNotifyArgs(worker.id));
    return argv;
  }

  // The worker's shell under bubblewrap when its role asks for a sandbox (worker-sandbox.ts).
  private async sandboxed(
    worker: Worker,
    shell: string[],
    env: Readonly<Record<string, string>>,
  ): Promise<string[]> {
    return sandboxedShell(worker, shell, env, {
      path: this.ctx.baseEnv.PATH ?? process.env.PATH ?? '',
      writable: [
        this.ctx.hooks.ensureLogFile(worker.id),
        this.ctx.tasksDir,
        this.ctx.handoffDir,
        this.ctx.simHome,
      ],
      keys: { ...this.ctx.keyPaths, ownKeyFile: this.ctx.hooks.keys?.write(worker.id) ?? null },
    });
  }

  private rcWritten = false;
  private perl: string | null = null;

  // Writes the rc file, the log filter and the tmuxorch-sim command once, before the first pane
  // needs them.
  async prepare(): Promise<void> {
    if (this.rcWritten) return;
    await writeFileAtomic(this.ctx.rcFile, WORKER_RC, 0o600);
    await writeFileAtomic(this.ctx.logFilterFile, buildLogFilterScript(), 0o600);
    this.perl = await findExecutable('perl', this.ctx.baseEnv.PATH ?? process.env.PATH ?? '');
    await installSimCommand(this.ctx.binDir);
    this.rcWritten = true;
  }

  // Whether pane logs are redacted as written (perl found); else they are plain copies.
  get redactsLogs(): boolean {
    return this.perl !== null;
  }

  // Pipes a pane into its worker's log through the redacting filter (plain `cat` without perl).
  // The filter's values wait in a 0600 file that the filter deletes once read.
  async pipeLog(paneId: string, workerId: string, logFile: string): Promise<void> {
    await this.prepare();
    await this.forgetHandoffs(workerId, '.values');
    const pane = this.ctx.server.pane(paneId);
    if (!this.perl) return pane.pipeToFile(logFile);
    const values = join(this.ctx.handoffDir, `${workerId}.${nanoid(8).replace(/[^A-Za-z0-9]/g, '0')}.values`);
    await writePrivateFile(values, logFilterValues(this.ctx.secretValues(workerId)));
    await pane.pipeToFile(logFile, [this.perl, '--', this.ctx.logFilterFile, values]);
  }

  // Deletes what a worker's readers left behind (a filter that never started): all of it, or the
  // files with this suffix.
  async forgetHandoffs(workerId: string, suffix = ''): Promise<void> {
    const names = await readdir(this.ctx.handoffDir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => name.startsWith(`${workerId}.`) && name.endsWith(suffix))
        .map((name) => rm(join(this.ctx.handoffDir, name), { force: true })),
    );
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
