// Figure 4 (spawn, sweep): 100 workers spawned the way a user script would (all at once), and
// one health sweep over them. Each side's spawn ends when every new shell answered a ready probe
// (tmuxorch's addWorker also waits for that; it also tags the pane, sets remain-on-exit and
// starts pipe-pane). Sweep: tmuxorch = HealthMonitor.sweep() (one list-panes -a through its
// control client, plus judging every worker); baseline = one `list-panes -a` process, rows split;
// limit = one raw control-mode `list-panes -a`, rows split. Same format string for all three.
import { PANE_FORMAT } from '../dist/infrastructure/tmux/format.js';
import { baselineSpawn, ExecClient, REF_SHELL } from './baseline.mjs';
import { cq, RawControl } from './limit.mjs';
import { monoMs, within } from './stats.mjs';
import { limitPanes } from './throughput.mjs';

const SPAWN_TIMEOUT_MS = 60_000;

// Removes the fleet's workers, then adds `count` shell workers concurrently; returns the wall ms.
export async function spawnTmuxorch(fleet, project, count) {
  for (const w of fleet.workers()) await fleet.removeWorker(w.id);
  const started = monoMs();
  const views = await within(
    Promise.all(
      Array.from({ length: count }, (_, i) => fleet.addWorker({ type: 'shell', project, name: `s${i}` })),
    ),
    SPAWN_TIMEOUT_MS,
    'tmuxorch spawn',
  );
  const ms = monoMs() - started;
  const idle = views.filter((v) => v.state === 'idle' && v.paneId).length;
  if (idle !== count) throw new Error(`only ${idle} of ${count} workers came up idle`);
  return ms;
}

function splitRows(lines) {
  return lines.filter((l) => l !== '').map((l) => l.split('\x1f'));
}

// `samples` sweeps per side, interleaved; checks every side saw at least `workers` panes.
export async function sweeps(ctx, fleet, raw, workers, samples) {
  const exec = new ExecClient(ctx);
  const line = `list-panes -a -F ${cq(PANE_FORMAT)}`;
  const out = { tmuxorch: [], baseline: [], limit: [], panes: 0 };
  for (let i = 0; i < samples + 2; i++) {
    let t = monoMs();
    const report = await fleet.rt.monitor.sweep();
    const a = monoMs() - t;
    const alive = report.verdicts.filter((v) => v.kind === 'alive').length;
    if (!report.complete || alive < workers) throw new Error(`sweep saw ${alive} live workers`);
    t = monoMs();
    const rowsB = splitRows(await exec.run(['list-panes', '-a', '-F', PANE_FORMAT]));
    const b = monoMs() - t;
    t = monoMs();
    const rowsC = splitRows(await raw.must(line));
    const c = monoMs() - t;
    if (rowsB.length < workers || rowsC.length < workers) throw new Error('a reference sweep missed panes');
    out.panes = rowsC.length;
    if (i < 2) continue;
    out.tmuxorch.push(a);
    out.baseline.push(b);
    out.limit.push(c);
  }
  return out;
}

// Reference spawns, each in a session of its own that is killed afterwards.
export async function spawnReferences(ctx, count) {
  await ctx.tmux('new-session', '-d', '-s', 'bench-bspawn', '-x', '200', '-y', '50', REF_SHELL);
  const base = await within(baselineSpawn(ctx, 'bench-bspawn', count), SPAWN_TIMEOUT_MS, 'baseline spawn');
  await ctx.tmux('kill-session', '-t', '=bench-bspawn');
  await ctx.tmux('new-session', '-d', '-s', 'bench-lspawn', '-x', '200', '-y', '50', REF_SHELL);
  const raw = await RawControl.attach(ctx, 'bench-lspawn');
  const started = monoMs();
  await within(limitPanes(raw, 'bench-lspawn', count), SPAWN_TIMEOUT_MS, 'limit spawn');
  const limitMs = monoMs() - started;
  await raw.close();
  await ctx.tmux('kill-session', '-t', '=bench-lspawn');
  return { baseline: base.ms, limit: limitMs };
}
