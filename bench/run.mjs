// `npm run bench`: tmuxorch's own code paths measured side by side with two references, in one
// run on one private tmux server (-L tmuxorch-bench-<random>, -f /dev/null) and temp homes:
//   baseline = a `tmux` process per command + capture-pane polling every 500 ms (libtmux-style);
//   limit    = raw tmux control mode with no tmuxorch code on top.
// Prints a table (medians, p95, ratios, targets) and writes bench/results.json.
// Everything it starts (tmux server, daemon by pid, child processes, temp dirs) is removed at
// the end, also on error or Ctrl-C; every loop is bounded in count and time.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFleet } from '../dist/controller/composition-root.js';
import { REF_SHELL } from './baseline.mjs';
import { closable, createContext, loadBenchSettings, machineInfo } from './context.mjs';
import {
  addDaemonWorkers,
  measureIdle,
  measureIdleChild,
  startBenchDaemon,
  startupFigure,
  throughputDaemon,
} from './daemon.mjs';
import { commandOverhead, latencyBaseline, latencyLimit, latencyTmuxorch } from './figures.mjs';
import { RawControl } from './limit.mjs';
import { measureRendering, REDRAWN_COMMAND, PLAIN_COMMAND } from './render.mjs';
import { buildFigures, renderTable, writeResults } from './report.mjs';
import { spawnReferences, spawnTmuxorch, sweeps } from './scale.mjs';
import { monoMs, sleep } from './stats.mjs';
import { FLOW, measureWorkflows } from './workflows.mjs';
import { measureService, renderService } from './service.mjs';
import {
  baselinePanes,
  limitPanes,
  throughputApp,
  throughputBaseline,
  throughputLimit,
} from './throughput.mjs';

const N = {
  latency: 100,
  overhead: 100,
  appTasks: 1000,
  renderTasks: 1000,
  limitTasks: 1000,
  baseTasks: 100,
  daemonTasks: 100,
};
const WORKERS = 10;
const SCALE = 100;
const SWEEPS = 20;
const IDLE_SECONDS = 10;
const STATUS_RUNS = 20;
const RUN_BUDGET_MS = 6 * 60_000; // hard stop: clean up and fail
const BASELINE_LATENCY_BUDGET_MS = 80_000;
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

const t0 = monoMs();
const say = (text) => console.log(`[${((monoMs() - t0) / 1000).toFixed(1).padStart(5)} s] ${text}`);

async function openAppFleet(ctx) {
  const home = join(ctx.dir, 'app-home');
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'config.json'), JSON.stringify({ maxWorkers: 200, keepFinishedTasks: 100_000 }));
  const settings = await loadBenchSettings({ home, socket: ctx.socket, session: 'bench-app' }, ctx.env);
  return closable(ctx, await openFleet({ settings, env: ctx.env }));
}

async function firstPane(ctx, session) {
  await ctx.tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', REF_SHELL);
  return (await ctx.tmux('display-message', '-p', '-t', `${session}:`, '#{pane_id}'))[0];
}

async function measure(ctx) {
  const r = {};
  const basePane = await firstPane(ctx, 'bench-base');
  const limitPane = await firstPane(ctx, 'bench-limit');
  const raw = await RawControl.attach(ctx, 'bench-limit');
  await sleep(300); // both shells at their prompt

  say(`2. command overhead (${N.overhead} interleaved samples per side)`);
  r.overhead = await commandOverhead(ctx, 'bench-base', raw, N.overhead);

  say('1. completion latency: tmuxorch, limit, baseline');
  const app = await openAppFleet(ctx);
  const { fleet } = app;
  await fleet.addWorker({ type: 'shell', project: ctx.projectDir, name: 'lat' });
  r.latT = await latencyTmuxorch(fleet, 'lat', N.latency, monoMs() + 60_000);
  r.latL = await latencyLimit(ctx, raw, limitPane, N.latency, monoMs() + 60_000);
  r.latB = await latencyBaseline(ctx, basePane, N.latency, monoMs() + BASELINE_LATENCY_BUDGET_MS);

  say(`3. throughput over ${WORKERS} workers`);
  const names = Array.from({ length: WORKERS }, (_, i) => `t${i}`);
  await Promise.all(names.map((name) => fleet.addWorker({ type: 'shell', project: ctx.projectDir, name })));
  r.tpT = await throughputApp(fleet, names, N.appTasks);
  // 3c: the same, tasks printing a line (fast path) and tasks redrawing one (the emulator).
  r.tpPlain = await throughputApp(fleet, names, N.renderTasks, PLAIN_COMMAND);
  r.tpRedrawn = await throughputApp(fleet, names, N.renderTasks, REDRAWN_COMMAND);
  const lp = await limitPanes(raw, 'bench-limit', WORKERS);
  r.tpL = await throughputLimit(ctx, raw, lp, N.limitTasks);
  const bp = await baselinePanes(ctx, 'bench-base', WORKERS);
  r.tpB = await throughputBaseline(ctx, bp, N.baseTasks);
  for (const pane of [...lp, ...bp]) await ctx.tmux('kill-pane', '-t', pane);

  say(`4. spawn ${SCALE} workers, sweep ${SWEEPS}×`);
  r.spawnT = await spawnTmuxorch(fleet, ctx.projectDir, SCALE);
  r.sweep = await sweeps(ctx, fleet, raw, SCALE, SWEEPS);
  r.spawnRef = await spawnReferences(ctx, SCALE);
  await app.close();

  say('3b/4c/5. daemon: throughput, idle, status --json');
  const daemon = await startBenchDaemon(ctx, 'bench-daemon');
  const dnames = Array.from({ length: WORKERS }, (_, i) => `d${i}`);
  await addDaemonWorkers(ctx, daemon, 'd', WORKERS);
  r.tpD = await throughputDaemon(daemon, dnames, N.daemonTasks);
  await addDaemonWorkers(ctx, daemon, 'e', SCALE - WORKERS);
  const panes = (await daemon.client.call('list')).map((w) => w.paneId).filter(Boolean);
  if (panes.length !== SCALE) throw new Error(`daemon has ${panes.length} worker panes`);
  const serverPid = Number((await ctx.tmux('display-message', '-p', '#{pid}'))[0]);
  await sleep(2_000);
  r.idleT = await measureIdle(daemon.pid, IDLE_SECONDS, serverPid);
  r.idleB = await measureIdleChild(ctx, ['baseline', ctx.socket, panes.join(',')], IDLE_SECONDS, serverPid);
  r.idleL = await measureIdleChild(ctx, ['limit', ctx.socket, 'bench-daemon'], IDLE_SECONDS, serverPid);
  r.status = await startupFigure(ctx, daemon, STATUS_RUNS, SCALE);

  say('6. output rendering: emulator vs the old stripping, fast path');
  r.render = await measureRendering();

  say(
    `7. workflows: ${FLOW.linearRuns}× ${FLOW.steps}-step linear, ${FLOW.fanOutRuns}× ${FLOW.fanOut}-wide fan-out, resume of ${FLOW.resumeSteps} done steps`,
  );
  r.flows = await measureWorkflows(ctx);
  return r;
}

async function main() {
  const ctx = await createContext();
  let aborting = false;
  const abort = (why, code) => {
    if (aborting) return; // a repeated Ctrl-C must not cut the clean-up short
    aborting = true;
    console.error(`\n${why}: cleaning up…`);
    void ctx.cleanup().finally(() => process.exit(code));
  };
  // Persistent listeners: with none left, signal-exit (execa's dependency) re-raises the signal,
  // which would kill the process in the middle of its clean-up.
  process.on('SIGINT', () => abort('interrupted', 130));
  process.on('SIGTERM', () => abort('terminated', 143));
  const watchdog = setTimeout(
    () => abort(`run budget of ${RUN_BUDGET_MS / 1000} s exceeded`, 1),
    RUN_BUDGET_MS,
  );
  watchdog.unref();
  const machine = machineInfo();
  say(`private tmux socket -L ${ctx.socket}, temp dir ${ctx.dir}`);
  try {
    const measured = await measure(ctx);
    const figs = buildFigures(measured, { idleSeconds: IDLE_SECONDS });
    // The service surface last, on a daemon of its own (bench/service.mjs).
    say('8. service surface: status over HTTP vs the socket, 1,000 webhook jobs, /metrics');
    const service = await measureService(ctx);
    const totalSeconds = Number(((monoMs() - t0) / 1000).toFixed(1));
    console.log(`\n${renderTable(figs, machine)}\n\n${renderService(service)}\n`);
    await writeResults(RESULTS, figs, machine, { socket: ctx.socket, totalSeconds });
    say(`wrote ${RESULTS}; measuring took ${totalSeconds} s (plus clean-up)`);
  } finally {
    clearTimeout(watchdog);
    await ctx.cleanup();
    say('cleaned up');
  }
}

main()
  .catch((error) => {
    console.error(error?.stack ?? String(error));
    process.exitCode = 1;
  })
  .finally(() => setTimeout(() => process.exit(), 1_000).unref()); // only if a stray handle lingers
