// An in-process fleet (openFleet) on a private tmux socket and a throw-away home.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openFleet } from '../../src/controller/composition-root.js';
import type { FleetController } from '../../src/application/fleet/fleet-controller.js';
import type { WorkerView } from '../../src/application/contract/views.js';
import { loadSettings, type Settings, type UserConfig } from '../../src/infrastructure/config/settings.js';
import { createTestTmuxServer, newSocketName, TEST_SHELL_ENV, type TestTmuxServer } from './tmux-server.js';
import { createTmpHome, type TmpHome } from './tmp-home.js';
import { waitFor } from './wait-for.js';

export interface TestFleetOptions {
  // Written to <home>/config.json before the fleet opens.
  readonly config?: UserConfig;
  readonly session?: string;
  // Directories put in front of PATH for the fleet and its panes (fake agent CLIs).
  readonly pathPrefix?: string;
}

export interface TestFleet {
  // The fleet opened last (see reopen()).
  readonly fleet: FleetController;
  readonly settings: Settings;
  readonly tmp: TmpHome;
  // The TMUXORCH_HOME of the fleet.
  readonly home: string;
  readonly session: string;
  // The fleet's private tmux server, for tmux commands from outside the fleet.
  readonly tmux: TestTmuxServer;
  readonly env: NodeJS.ProcessEnv;
  project(name: string): Promise<string>;
  // A shell worker in a fresh project directory named after it.
  addShell(name: string, env?: Record<string, string>): Promise<WorkerView>;
  worker(idOrName: string): WorkerView;
  waitIdle(idOrName: string, options?: { timeoutMs?: number; notPane?: string | null }): Promise<WorkerView>;
  // state.json and the journal beside it: everything the fleet keeps on disk.
  readState(): Promise<string>;
  // Shuts the current fleet down (session kept) and opens a new one on the same home and socket.
  reopen(options?: { shutdownFirst?: boolean }): Promise<FleetController>;
  // Shuts the fleet down, kills its tmux server, removes the home. Safe to call twice.
  cleanup(): Promise<void>;
}

export async function openTestFleet(options: TestFleetOptions = {}): Promise<TestFleet> {
  const tmp = await createTmpHome('tmuxorch-fleet-');
  const home = join(tmp.dir, 'home');
  await mkdir(home, { recursive: true });
  if (options.config) await writeFile(join(home, 'config.json'), JSON.stringify(options.config));
  const socketName = newSocketName();
  const tmux = createTestTmuxServer(socketName);
  const session = options.session ?? 'fleet-test';
  const env: NodeJS.ProcessEnv = { ...process.env, ...TEST_SHELL_ENV, TMUXORCH_TMUX_CONF: '/dev/null' };
  if (options.pathPrefix) env.PATH = `${options.pathPrefix}:${env.PATH ?? ''}`;
  delete env.TMUX;
  delete env.TMUX_PANE;
  const settings = await loadSettings({ home, socket: socketName, session }, env);
  const open = (): Promise<FleetController> => openFleet({ settings, env });
  let fleet: FleetController | null = null;
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    try {
      await fleet?.shutdown({ killWorkers: true }).catch(() => undefined);
    } finally {
      await tmux.kill();
      await tmp.remove();
    }
  };
  try {
    fleet = await open();
  } catch (error) {
    await cleanup();
    throw error;
  }
  const current = (): FleetController => {
    if (!fleet) throw new Error('the test fleet is closed');
    return fleet;
  };
  const worker = (idOrName: string): WorkerView => {
    const found = current()
      .workers()
      .find((w) => w.id === idOrName || w.name === idOrName);
    if (!found) throw new Error(`no worker ${idOrName}`);
    return found;
  };
  return {
    get fleet() {
      return current();
    },
    settings,
    tmp,
    home,
    session,
    tmux,
    env,
    project: (name) => tmp.project(name),
    async addShell(name, workerEnv) {
      const project = await tmp.project(name);
      return current().addWorker({ type: 'shell', project, name, ...(workerEnv ? { env: workerEnv } : {}) });
    },
    worker,
    waitIdle(idOrName, waitOptions = {}) {
      return waitFor(
        () => {
          const w = worker(idOrName);
          if (w.state !== 'idle' || w.paneId === null) return null;
          if (waitOptions.notPane !== undefined && w.paneId === waitOptions.notPane) return null;
          return w;
        },
        { timeoutMs: waitOptions.timeoutMs ?? 20_000, message: `worker ${idOrName} idle` },
      );
    },
    readState: async () => {
      const snapshot = await readFile(settings.paths.stateFile, 'utf8').catch(() => '');
      const journal = await readFile(settings.paths.stateJournal, 'utf8').catch(() => '');
      return `${snapshot}\n${journal}`;
    },
    async reopen(reopenOptions = {}) {
      if (reopenOptions.shutdownFirst !== false) await current().shutdown();
      fleet = null;
      fleet = await open();
      return fleet;
    },
    cleanup,
  };
}

// For test files where each test opens a fleet of its own: `open()` opens one, cleaned up after
// the test (call at the top of the file or in a describe; it registers the afterEach).
export function useTestFleets(): { open(options?: TestFleetOptions): Promise<TestFleet> } {
  const opened: TestFleet[] = [];
  afterEach(async () => {
    for (const fleet of opened.splice(0)) await fleet.cleanup();
  });
  return {
    async open(options) {
      const fleet = await openTestFleet(options);
      opened.push(fleet);
      return fleet;
    },
  };
}
