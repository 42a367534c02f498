// Figures that need the real daemon (a detached `node dist/bin/tmuxorch.js daemon` started by startDaemon):
// 3b. throughput through the daemon + CLI socket (RpcClient send + wait);
// 4c. CPU and RSS while 100 workers sit idle (10 s), next to two reference controllers run as
//     processes of their own (bench/idle-child.mjs);
// 5.  start-up: `node dist/bin/tmuxorch.js status --json` as a whole process, 20 runs.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, stopDaemon } from '../dist/controller/daemon-launcher.js';
import { RpcClient } from '../dist/controller/rpc-client.js';
import { PANE_FORMAT } from '../dist/infrastructure/tmux/format.js';
import { childrenOf, CLK_TCK, execFile, loadBenchSettings, rssMb, selfTicks, treeTicks } from './context.mjs';
import { monoMs, sleep, summarize, within } from './stats.mjs';

export const CLI_PATH = fileURLToPath(new URL('../dist/bin/tmuxorch.js', import.meta.url));
const CHILD_PATH = fileURLToPath(new URL('./idle-child.mjs', import.meta.url));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Starts a daemon on its own home (maxWorkers raised to fit 100 workers) and connects to it.
export async function startBenchDaemon(ctx, session) {
  const home = join(ctx.dir, 'daemon-home');
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'config.json'), JSON.stringify({ maxWorkers: 200, keepFinishedTasks: 100_000 }));
  const settings = await loadBenchSettings({ home, socket: ctx.socket, session }, ctx.env);
  const started = await startDaemon(settings, CLI_PATH);
  const pid = started.daemon.pid;
  ctx.onCleanup(async () => {
    await within(stopDaemon(settings, true), 18_000, 'stop daemon').catch(() => undefined);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  if (started.alreadyRunning) throw new Error(`a daemon already ran for ${home}`);
  const cliEnv = { ...ctx.env, TMUXORCH_HOME: home, TMUXORCH_SOCKET: ctx.socket, TMUXORCH_SESSION: session };
  const connect = async () => {
    const client = await RpcClient.connect(settings.paths);
    ctx.onCleanup(() => client.close());
    return client;
  };
  return { settings, pid, cliEnv, connect, client: await connect() };
}

// Adds shell workers named prefix0..prefix(count-1) over RPC, all at once.
export async function addDaemonWorkers(ctx, daemon, prefix, count) {
  return within(
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        daemon.client.call('addWorker', { type: 'shell', project: ctx.projectDir, name: `${prefix}${i}` }),
      ),
    ),
    60_000,
    'daemon addWorker',
  );
}

// `tasks` tasks of `true` over the workers: one RPC connection per worker, every task sent at once
// and awaited with `wait`; tasks/s = tasks / wall.
export async function throughputDaemon(daemon, workers, tasks) {
  const clients = await Promise.all(workers.map(() => daemon.connect()));
  let failures = 0;
  const started = monoMs();
  await within(
    Promise.all(
      Array.from({ length: tasks }, async (_, i) => {
        const client = clients[i % clients.length];
        const sent = await client.call('send', { worker: workers[i % workers.length], command: 'true' });
        const done = await client.call('wait', { id: sent.id });
        if (done.status !== 'succeeded') failures++;
      }),
    ),
    60_000,
    'daemon throughput',
  );
  const ms = monoMs() - started;
  for (const c of clients) c.close();
  return { tasks, ms, tasksPerSec: tasks / (ms / 1000), failures };
}

// CPU% of one core (process + reaped children + live children) and RSS (MB, median of 1 s samples,
// process + live children, and node alone) over `seconds`; the tmux server's CPU for context.
export async function measureIdle(pid, seconds, serverPid) {
  const kids = await childrenOf(pid); // long-lived ones (its tmux -C client); /proc is scanned only twice
  const t0 = await treeTicks(pid);
  const s0 = await selfTicks(serverPid);
  const w0 = monoMs();
  const tree = [];
  const node = [];
  for (let i = 0; i < seconds; i++) {
    await sleep(1_000);
    const own = await rssMb(pid);
    let total = own;
    for (const kid of kids) total += await rssMb(kid);
    tree.push(total);
    node.push(own);
  }
  const t1 = await treeTicks(pid);
  const s1 = await selfTicks(serverPid);
  const wallS = (monoMs() - w0) / 1000;
  if (t0 === null || t1 === null) throw new Error(`process ${pid} ended during the idle window`);
  return {
    cpuPercent: ((t1 - t0) / CLK_TCK / wallS) * 100,
    rssMb: summarize(tree).p50,
    nodeRssMb: summarize(node).p50,
    tmuxServerCpuPercent: s0 !== null && s1 !== null ? ((s1 - s0) / CLK_TCK / wallS) * 100 : null,
    seconds: wallS,
  };
}

// Runs a reference controller (idle-child.mjs) and measures it like the daemon.
export async function measureIdleChild(ctx, args, seconds, serverPid) {
  const child = spawn(process.execPath, [CHILD_PATH, ...args, String(seconds + 10)], {
    env: { ...ctx.env, BENCH_PANE_FORMAT: PANE_FORMAT },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  ctx.onCleanup(() => isAlive(pid) && process.kill(pid, 'SIGKILL'));
  try {
    await within(
      new Promise((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve())),
      15_000,
      `idle child ${args[0]} ready`,
    );
    await sleep(1_000);
    return await measureIdle(pid, seconds, serverPid);
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    await within(exited, 5_000, 'idle child exit').catch(() => isAlive(pid) && process.kill(pid, 'SIGKILL'));
  }
}

// Whole-process start-up, interleaved: `tmuxorch status --json`, a `tmux list-panes -a`
// process (the floor of any CLI that shells out), and `node -e 0` (Node's own floor).
export async function startupFigure(ctx, daemon, runs, expectWorkers) {
  const out = { tmuxorch: [], baseline: [], limit: [] };
  const timed = async (file, args, env) => {
    const t = monoMs();
    const result = await execFile(file, args, { env, timeout: 10_000, maxBuffer: 64 << 20 });
    return { ms: monoMs() - t, stdout: result.stdout };
  };
  for (let i = 0; i < runs + 2; i++) {
    const a = await timed(process.execPath, [CLI_PATH, 'status', '--json'], daemon.cliEnv);
    if (i === 0) {
      const view = JSON.parse(a.stdout);
      if (view.workers?.length !== expectWorkers)
        throw new Error(`status --json showed ${view.workers?.length} workers`);
    }
    const b = await timed('tmux', ctx.tmuxArgs(['list-panes', '-a']), ctx.env);
    const c = await timed(process.execPath, ['-e', '0'], ctx.env);
    if (i < 2) continue;
    out.tmuxorch.push(a.ms);
    out.baseline.push(b.ms);
    out.limit.push(c.ms);
  }
  return out;
}
