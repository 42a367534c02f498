// The figures of `npm run bench` (built from run.mjs measurements), the printed table and bench/results.json.
// Ratios are taken on the cost axis (time per task for throughput), so ratio baseline/tmuxorch > 1
// always means tmuxorch beats the baseline, and tmuxorch/limit > 1 is what tmuxorch costs over the floor.
import { writeFile } from 'node:fs/promises';
import { REDRAWN_COMMAND, PLAIN_COMMAND } from './render.mjs';
import { centre, round, side } from './stats.mjs';
import { workflowFigures } from './workflows.mjs';

// A figure: { key, label, unit, better: 'lower'|'higher', tmuxorch, baseline, limit, target, note }
// where each side is {p50, p95, n} or a single number, and target = { text, met(fig) }.
function ratios(fig) {
  const [t, b, l] = [centre(fig.tmuxorch), centre(fig.baseline), centre(fig.limit)];
  const div = (x, y) => (x === null || y === null || y === 0 ? null : x / y);
  return fig.better === 'higher'
    ? { baselineOverTmuxorch: div(t, b), tmuxorchOverLimit: div(l, t) }
    : { baselineOverTmuxorch: div(b, t), tmuxorchOverLimit: div(t, l) };
}

function cell(value) {
  if (value === null || value === undefined) return '—';
  const r = round(value);
  return r === null ? '—' : String(r);
}

function sideCells(value) {
  if (value === null || value === undefined) return ['n/a', ''];
  if (typeof value === 'number') return [cell(value), '—'];
  return [cell(value.p50), cell(value.p95)];
}

function ratioCell(value) {
  return value === null ? '—' : `${round(value)}×`;
}

// Renders the figures as a fixed-width table plus one note line per figure.
export function renderTable(figures, machine) {
  const header = [
    'figure',
    'tmuxorch p50',
    'p95',
    'baseline p50',
    'p95',
    'limit p50',
    'p95',
    'base/tmx',
    'tmx/limit',
    'target',
    'met?',
  ];
  const rows = figures.map((fig) => {
    const r = ratios(fig);
    const met = fig.target ? (fig.target.met(fig) ? 'yes' : 'NO') : '—';
    return [
      `${fig.label} (${fig.unit})`,
      ...sideCells(fig.tmuxorch),
      ...sideCells(fig.baseline),
      ...sideCells(fig.limit),
      ratioCell(r.baselineOverTmuxorch),
      ratioCell(r.tmuxorchOverLimit),
      fig.target?.text ?? '—',
      met,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const notes = figures.filter((f) => f.note).map((f) => `  ${f.label}: ${f.note}`);
  return [
    `machine: nproc ${machine.nproc} | ${machine.cpu} | ${machine.memoryGiB} GiB | ${machine.tmux} | node ${machine.node}`,
    line(header),
    sep,
    ...rows.map(line),
    'ratios: base/tmx > 1 = tmuxorch faster than the baseline; tmx/limit = tmuxorch cost over raw control mode (throughput: on time per task)',
    'notes:',
    ...notes,
  ].join('\n');
}

// bench/results.json: one object per figure plus `machine` and `at`.
export async function writeResults(file, figures, machine, extra) {
  const doc = { machine, at: new Date().toISOString(), ...extra };
  for (const fig of figures) {
    const r = ratios(fig);
    doc[fig.key] = {
      unit: fig.unit,
      tmuxorch: fig.tmuxorch,
      baseline: fig.baseline,
      limit: fig.limit,
      ratioBaselineOverTmuxorch: round(r.baselineOverTmuxorch),
      ratioTmuxorchOverLimit: round(r.tmuxorchOverLimit),
      target: fig.target?.text ?? null,
      met: fig.target ? fig.target.met(fig) : null,
      note: fig.note ?? null,
      ...(fig.details ? { details: fig.details } : {}),
    };
  }
  await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
}

// The nine figures of the issue, those of the output rendering (3c, 6, 6b) and of the workflow
// engine (W1–W3, workflows.mjs), from the raw measurements of run.mjs.
export function buildFigures(r, { idleSeconds }) {
  const tp = (x) => x.tasksPerSec;
  return [
    {
      key: 'completionLatencyMs',
      label: '1 completion latency',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(r.latT.samples),
      baseline: side(r.latB.samples),
      limit: side(r.latL.samples),
      target: { text: 'p50≤2 p95≤10', met: (f) => f.tmuxorch.p50 <= 2 && f.tmuxorch.p95 <= 10 },
      note: `end time in the end marker → runner 'finished' (1 shell worker, \`sleep 0.0$((RANDOM%10))\`); baseline ${r.latB.polls} polls for ${r.latB.samples.length} tasks, sends de-phased 0–500 ms; failures tmuxorch ${r.latT.failures}`,
    },
    {
      key: 'commandOverheadMs',
      label: '2 command overhead',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(r.overhead.tmuxorch),
      baseline: side(r.overhead.baseline),
      limit: side(r.overhead.limit),
      note: "display-message -p '#{pane_id}': ControlTransport.run awaited one at a time vs tmux process vs raw %end",
    },
    {
      key: 'throughputTasksPerSec',
      label: '3 throughput app',
      unit: 'tasks/s',
      better: 'higher',
      tmuxorch: tp(r.tpT),
      baseline: tp(r.tpB),
      limit: tp(r.tpL),
      target: { text: '≥1000', met: (f) => f.tmuxorch >= 1000 },
      note: `tasks: tmuxorch ${r.tpT.tasks} (${r.tpT.failures} failed, ${r.tpT.ms.toFixed(0)} ms), baseline ${r.tpB.tasks} (fewer: 500 ms polling), limit ${r.tpL.tasks}; 1 outstanding task per worker`,
      details: { tmuxorch: r.tpT, baseline: r.tpB, limit: r.tpL },
    },
    {
      key: 'renderedThroughputTasksPerSec',
      label: '3c throughput, redrawn output',
      unit: 'tasks/s',
      better: 'higher',
      tmuxorch: tp(r.tpRedrawn),
      baseline: tp(r.tpPlain),
      limit: null,
      note: `${r.tpRedrawn.tasks} tasks \`${REDRAWN_COMMAND}\` (rendered by the terminal emulator, ${r.tpRedrawn.failures} failed) against, in the baseline column, ${r.tpPlain.tasks} tasks \`${PLAIN_COMMAND}\` (fast path) in the same run: base/tmx = redrawn/plain throughput`,
      details: { redrawn: r.tpRedrawn, plain: r.tpPlain },
    },
    {
      key: 'daemonThroughputTasksPerSec',
      label: '3b throughput daemon',
      unit: 'tasks/s',
      better: 'higher',
      tmuxorch: tp(r.tpD),
      baseline: tp(r.tpB),
      limit: tp(r.tpL),
      note: `${r.tpD.tasks} tasks over RpcClient send+wait (${r.tpD.failures} failed); references are those of row 3 (they have no daemon)`,
      details: { tmuxorch: r.tpD },
    },
    {
      key: 'spawn100Ms',
      label: '4 spawn 100 workers',
      unit: 'ms',
      better: 'lower',
      tmuxorch: r.spawnT,
      baseline: r.spawnRef.baseline,
      limit: r.spawnRef.limit,
      target: { text: '≤1500', met: (f) => f.tmuxorch <= 1500 },
      note: 'all at once, until every shell answered a ready probe (baseline sees it by 500 ms polling)',
    },
    {
      key: 'sweep100Ms',
      label: '4 health sweep 100',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(r.sweep.tmuxorch),
      baseline: side(r.sweep.baseline),
      limit: side(r.sweep.limit),
      target: { text: 'p50≤10', met: (f) => f.tmuxorch.p50 <= 10 },
      note: `${r.sweep.panes} panes on the server; baseline = ONE list-panes -a process per sweep (not one per pane)`,
    },
    {
      key: 'idleCpuPercent',
      label: '4 idle CPU, 100 workers',
      unit: '% core',
      better: 'lower',
      tmuxorch: r.idleT.cpuPercent,
      baseline: r.idleB.cpuPercent,
      limit: r.idleL.cpuPercent,
      target: { text: '≤1', met: (f) => f.tmuxorch <= 1 },
      note: `${idleSeconds} s each; process + its tmux children; baseline polls capture-pane of all 100 panes every 500 ms, limit = raw client + list-panes every 2 s; tmux server CPU: tmx ${r.idleT.tmuxServerCpuPercent?.toFixed(2)}%, base ${r.idleB.tmuxServerCpuPercent?.toFixed(2)}%, limit ${r.idleL.tmuxServerCpuPercent?.toFixed(2)}%`,
      details: { tmuxorch: r.idleT, baseline: r.idleB, limit: r.idleL },
    },
    {
      key: 'idleRssMb',
      label: '4 idle RSS, 100 workers',
      unit: 'MB',
      better: 'lower',
      tmuxorch: r.idleT.rssMb,
      baseline: r.idleB.rssMb,
      limit: r.idleL.rssMb,
      target: { text: '≤120', met: (f) => f.tmuxorch <= 120 },
      note: `median of 1 s samples, node + its live tmux client; node alone: tmx ${r.idleT.nodeRssMb.toFixed(1)} MB, base ${r.idleB.nodeRssMb.toFixed(1)} MB, limit ${r.idleL.nodeRssMb.toFixed(1)} MB`,
    },
    {
      key: 'renderHeavyMs',
      label: '6 render 1 MB jest output',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(r.render.heavyRendered),
      baseline: side(r.render.heavyStripped),
      limit: null,
      note: `a real jest run's pane bytes repeated to ${r.render.heavyChars} chars: terminal emulator vs, in the baseline column, the old per-line stripping of the same text in the same run (base/tmx < 1: rendering costs more)`,
    },
    {
      key: 'renderShortUs',
      label: '6b short output, fast path',
      unit: 'µs',
      better: 'lower',
      tmuxorch: side(r.render.shortRendered),
      baseline: side(r.render.shortStripped),
      limit: null,
      note: 'one SGR-coloured line per call (a short task), render() on its fast path vs the old per-line stripping; the emulator is not loaded for it',
    },
    {
      key: 'statusJsonMs',
      label: '5 status --json',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(r.status.tmuxorch),
      baseline: side(r.status.baseline),
      limit: side(r.status.limit),
      target: { text: 'p50≤150', met: (f) => f.tmuxorch.p50 <= 150 },
      note: 'whole process against the daemon with 100 workers; baseline = a `tmux list-panes -a` process, limit = `node -e 0`',
    },
    ...(r.flows ? workflowFigures(r.flows) : []),
  ];
}
