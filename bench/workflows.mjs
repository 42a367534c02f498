// Figures W1–W3: the workflow engine (src/application/workflows) on top of the fleet, each next to
// the same tasks driven by hand through the fleet in the same run, on the bench's private tmux
// server and temp homes. The engine is measured as it really runs: every step gets a worker of
// its own (`<run>-<step>`, a new window), and workers are removed when the run ends.
//   W1  step transition: step i's task ended → step i+1's task typed (20-step linear runs of `true`);
//   W2  20-step linear run and a 10-wide fan-out (`matrix`): wall time vs the tasks' own durations;
//   W3  resume: a fresh openFleet on a home whose run has 100 finished steps and 1 pending.
// Times are taken from hooks on the in-process fleet: the runner's dispatch (keys typed), its
// 'finished' event, the engine's 'changed' events. `node bench/workflows.mjs` runs only these.
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWorkflow } from '../dist/application/workflows/run-start.js';
import { newRunRecord } from '../dist/domain/workflow/workflow-run.js';
import { workflowHash } from '../dist/infrastructure/workflow/workflow-file.js';
import { openFleet } from '../dist/controller/composition-root.js';
import { durationMs } from '../dist/domain/task.js';
import { expandInstances } from '../dist/domain/workflow/run-graph.js';
import { planWorkflow } from '../dist/domain/workflow/workflow-graph.js';
import { AuditLog } from '../dist/infrastructure/workflow/audit-log.js';
import { RunFiles } from '../dist/infrastructure/workflow/run-files.js';
import { sha256Text } from '../dist/infrastructure/fs/sha256.js';
import { closable, createContext, loadBenchSettings, machineInfo } from './context.mjs';
import { monoMs, side, sleep, summarize, wallMs, within } from './stats.mjs';

export const FLOW = {
  steps: 20,
  linearRuns: 3,
  fanOut: 10,
  fanOutRuns: 3,
  resumeSteps: 100,
  resumeSamples: 7,
};
const RUN_TIMEOUT_MS = 60_000;
const DONE = new Set(['succeeded', 'failed', 'cancelled']);

const pad = (i) => String(i).padStart(3, '0');

// A linear workflow of `n` shell steps running `true`: s001 → s002 → … (each needs the one before).
export function linearSpec(name, n) {
  const steps = {};
  for (let i = 1; i <= n; i++)
    steps[`s${pad(i)}`] = { run: 'true', ...(i > 1 ? { needs: `s${pad(i - 1)}` } : {}) };
  return { schema_version: 1, name, steps };
}

// One `true` step fanned out over `width` matrix values (instances fan-1 … fan-<width>).
export function fanOutSpec(name, width) {
  const n = Array.from({ length: width }, (_, i) => i + 1);
  return { schema_version: 1, name, steps: { fan: { run: 'true', matrix: { n } } } };
}

async function benchHome(ctx, name) {
  const home = join(ctx.dir, name);
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'config.json'), JSON.stringify({ maxWorkers: 200, keepFinishedTasks: 100_000 }));
  return home;
}

async function settingsOf(ctx, home, session) {
  return loadBenchSettings({ home, socket: ctx.socket, session }, ctx.env);
}

// An in-process fleet on its own home and session; closed (its session killed) once.
async function openFlowFleet(ctx, home, session) {
  return closable(ctx, await openFleet({ settings: await settingsOf(ctx, home, session), env: ctx.env }));
}

// Hooks on one fleet: when each task's keys were typed (dispatch returned) and when the runner
// had it finished; when each step of each run first became succeeded, when each run ended; and
// the time spent in the engine's own calls (a profile, meaningful for a sequential chain only).
function instrument(fleet) {
  const engine = fleet.requireWorkflows();
  const { runner } = fleet.rt;
  const typed = new Map();
  const finished = new Map();
  const succeeded = new Map();
  const runDone = new Map();
  const profile = new Map();
  const dispatch = runner.dispatch;
  runner.dispatch = async function (worker, task) {
    await dispatch.call(this, worker, task);
    typed.set(task.id, wallMs());
  };
  const onFinished = (task) => finished.set(task.id, wallMs());
  runner.on('finished', onFinished);
  const onChanged = (run) => {
    const at = wallMs();
    for (const step of run.steps) {
      const key = `${run.id}/${step.id}`;
      if (step.status === 'succeeded' && !succeeded.has(key)) succeeded.set(key, at);
    }
    if (DONE.has(run.status) && !runDone.has(run.id)) runDone.set(run.id, { at, run });
  };
  engine.on('changed', onChanged);
  const timed = (owner, method, label) => {
    const original = owner[method];
    owner[method] = async function (...args) {
      const t = monoMs();
      try {
        return await original.apply(this, args);
      } finally {
        const p = profile.get(label) ?? { calls: 0, ms: 0 };
        p.calls++;
        p.ms += monoMs() - t;
        profile.set(label, p);
      }
    };
  };
  timed(fleet, 'addWorker', 'addWorker (new window, ready probe)');
  timed(fleet, 'send', 'send (enqueue + journal)');
  timed(fleet, 'removeWorker', 'removeWorker (run end)');
  timed(engine.files, 'saveRun', 'run.json saves (fsync)');
  timed(engine.files, 'write', 'run files (run.json, context.json, …)');
  timed(engine.files, 'writeStepFile', 'step files (prompt, raw_output, result)');
  timed(engine.files, 'makeStepDir', 'step dir');
  timed(engine, 'audit', 'audit.jsonl + logs.txt lines');
  timed(engine.attempts, 'finish', 'attempt finish (outputs checked, files)');
  return {
    engine,
    typed,
    finished,
    succeeded,
    runDone,
    profile,
    resetProfile: () => profile.clear(),
    detach() {
      runner.dispatch = dispatch;
      runner.off('finished', onFinished);
      engine.off('changed', onChanged);
    },
  };
}

// Starts a run and resolves once the engine has ended and forgotten it (its workers removed).
async function runToEnd(probe, spec, project) {
  const t = monoMs();
  const w0 = wallMs();
  const run = await probe.engine.start({
    spec,
    file: null,
    project,
    inputs: {},
    mode: 'auto',
    keepWorkers: false,
  });
  const deadline = monoMs() + RUN_TIMEOUT_MS;
  while (!probe.runDone.has(run.id) && monoMs() < deadline) await sleep(2);
  const done = probe.runDone.get(run.id);
  if (!done) throw new Error(`workflow run ${run.id} did not end within ${RUN_TIMEOUT_MS} ms`);
  if (done.run.status !== 'succeeded')
    throw new Error(`workflow run ${run.id} ${done.run.status}: ${done.run.reason}`);
  while (probe.engine.activeRuns().some((r) => r.id === run.id) && monoMs() < deadline) await sleep(2);
  return { id: run.id, run: done.run, w0, wallMs: done.at - w0, untilForgottenMs: monoMs() - t };
}

// Plain tasks through the fleet, back to back (send + wait); `newWorker`: each on a worker of its
// own added right before it (what the engine does per step), else all on one worker.
async function plainChain(probe, fleet, project, prefix, count, newWorker) {
  const t = monoMs();
  const ids = [];
  const names = [];
  for (let i = 0; i < count; i++) {
    const name = newWorker ? `${prefix}-${i}` : prefix;
    if (newWorker || i === 0) {
      await fleet.addWorker({ type: 'shell', project, name });
      names.push(name);
    }
    const sent = await fleet.send({ worker: name, command: 'true' });
    const done = await within(fleet.wait(sent.id), 10_000, `plain task ${sent.id}`);
    if (done.status !== 'succeeded') throw new Error(`plain task ${sent.id} ${done.status}`);
    ids.push(sent.id);
  }
  const ms = monoMs() - t;
  const durations = ids.map((id) => durationMs(fleet.rt.store.requireTask(id)) ?? 0);
  for (const name of names) await fleet.removeWorker(name);
  const gaps = [];
  for (let i = 1; i < ids.length; i++) gaps.push(probe.typed.get(ids[i]) - probe.finished.get(ids[i - 1]));
  return { ms, gaps, taskMs: durations.reduce((a, b) => a + b, 0) };
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

// W1 + W2 (linear): `runs` linear workflows, and the same tasks by hand, interleaved run by run.
async function linearFigures(ctx, probe, fleet, project, out) {
  for (let r = 0; r < FLOW.linearRuns; r++) {
    probe.resetProfile();
    const done = await runToEnd(probe, linearSpec(`linear-${r}`, FLOW.steps), project);
    out.profiles.push(Object.fromEntries([...probe.profile].map(([k, v]) => [k, { ...v }])));
    const steps = done.run.steps;
    for (let i = 1; i < steps.length; i++) {
      const prev = steps[i - 1];
      const next = steps[i];
      const typedAt = probe.typed.get(next.taskId);
      const succeededAt = probe.succeeded.get(`${done.id}/${prev.id}`);
      const finishedAt = probe.finished.get(prev.taskId);
      out.transition.push(typedAt - succeededAt);
      out.stepToStep.push(typedAt - finishedAt);
      out.endToSucceeded.push(succeededAt - finishedAt);
    }
    const addWorker = probe.profile.get('addWorker (new window, ready probe)');
    out.addWorkerMs.push(addWorker ? addWorker.ms / addWorker.calls : null);
    out.linearWall.push(done.wallMs);
    out.linearTaskMs.push(sum(steps.map((s) => s.durationMs ?? 0)));
    out.linearUntilForgotten.push(done.untilForgottenMs);
    out.lastRun = done.run;
    const one = await plainChain(probe, fleet, project, `one${r}`, FLOW.steps, false);
    out.plainOne.push(...one.gaps);
    out.plainOneWall.push(one.ms);
    probe.resetProfile();
    const each = await plainChain(probe, fleet, project, `new${r}`, FLOW.steps, true);
    const added = probe.profile.get('addWorker (new window, ready probe)');
    out.plainAddWorkerMs.push(added.ms / added.calls);
    out.plainNew.push(...each.gaps);
    out.plainNewWall.push(each.ms);
  }
}

// W2 (fan-out): `runs` fan-outs, and by hand: as many workers added at once, a task each, waited.
async function fanOutFigures(probe, fleet, project, out) {
  for (let r = 0; r < FLOW.fanOutRuns; r++) {
    const done = await runToEnd(probe, fanOutSpec(`fan-${r}`, FLOW.fanOut), project);
    out.fanWall.push(done.wallMs);
    out.fanTaskMs.push(sum(done.run.steps.map((s) => s.durationMs ?? 0)));
    // Where the wall time goes: instances typed one after another, their ends applied in turn.
    const typedAt = done.run.steps.map((s) => probe.typed.get(s.taskId) - done.w0);
    const finishedAt = done.run.steps.map((s) => probe.finished.get(s.taskId) - done.w0);
    out.fanTimeline.push({
      firstTyped: Math.min(...typedAt),
      lastTyped: Math.max(...typedAt),
      lastFinished: Math.max(...finishedAt),
      done: done.wallMs,
    });
    const t = monoMs();
    const names = Array.from({ length: FLOW.fanOut }, (_, i) => `hand${r}-${i}`);
    const ids = await Promise.all(
      names.map(async (name) => {
        await fleet.addWorker({ type: 'shell', project, name });
        const sent = await fleet.send({ worker: name, command: 'true' });
        await within(fleet.wait(sent.id), 10_000, `fan-out task ${sent.id}`);
        return sent.id;
      }),
    );
    out.fanHandWall.push(monoMs() - t);
    out.fanHandTaskMs.push(sum(ids.map((id) => durationMs(fleet.rt.store.requireTask(id)) ?? 0)));
    for (const name of names) await fleet.removeWorker(name);
  }
}

// A home whose flows/ holds what a controller killed with -9 between step 100 ending and step 101
// starting leaves: workflow.lock.json, run.json (100 succeeded, 1 pending, status running) and
// an intact audit.jsonl (run_started, then step_started + step_ended per finished step).
// `like`: a step record of a real run, copied for the finished ones.
async function writeKilledRun(ctx, home, project, like) {
  const settings = await settingsOf(ctx, home, 'unused');
  const files = new RunFiles(settings.paths.flowsDir);
  const id = 'rkilled';
  const spec = validateWorkflow(linearSpec('resume-101', FLOW.resumeSteps + 1));
  const t0 = Date.now() - 60_000;
  const iso = (ms) => new Date(ms).toISOString();
  const steps = expandInstances(spec, planWorkflow(spec).order).map((step, i) =>
    i < FLOW.resumeSteps
      ? {
          ...like,
          id: step.id,
          stepId: step.stepId,
          worker: `${id}-${step.id}`,
          taskId: `t-killed${pad(i)}`,
          startedAt: iso(t0 + i * 100),
          finishedAt: iso(t0 + i * 100 + 5),
          inputHash: sha256Text(`${step.id}\ntrue`),
        }
      : step,
  );
  const specHash = workflowHash(spec);
  const run = newRunRecord({
    id,
    name: spec.name,
    mode: 'auto',
    project,
    base: { sha: null, branch: null },
    inputs: {},
    specHash,
    startedAt: iso(t0),
    keepWorkers: false,
    steps,
  });
  await files.writeLock(id, { spec, specHash, file: null, inputs: {}, createdAt: iso(t0) });
  await files.saveRun(run);
  // As a run in progress has it (a killed daemon leaves it there).
  await files.markActive(id, true);
  const audit = new AuditLog(files.auditFile(id), id);
  await audit.append({ event: 'run_started', mode: 'auto', specHash, project });
  for (const step of steps.slice(0, FLOW.resumeSteps)) {
    await audit.append({
      event: 'step_started',
      step: step.id,
      attempt: 1,
      worker: step.worker,
      task: step.taskId,
    });
    await audit.append({ event: 'step_ended', step: step.id, attempt: 1, status: 'succeeded', exitCode: 0 });
  }
  return id;
}

// One run.json save (temp file, fsync, rename) of the 101-step run and of a 20-step one, 20 each,
// interleaved: what every step change costs as a run grows.
async function saveCost(ctx, home, id, like) {
  const settings = await settingsOf(ctx, home, 'unused');
  const files = new RunFiles(settings.paths.flowsDir);
  const big = await files.loadRun(id);
  const small = {
    ...big,
    id: 'rsmall',
    steps: big.steps.slice(0, FLOW.steps).map((s) => ({ ...s, ...like, id: s.id })),
  };
  await files.saveRun(small);
  const out = { big: [], small: [], bigBytes: JSON.stringify(big, null, 2).length, smallBytes: 0 };
  out.smallBytes = JSON.stringify(small, null, 2).length;
  for (let i = 0; i < 20; i++) {
    let t = monoMs();
    await files.saveRun(big);
    out.big.push(monoMs() - t);
    t = monoMs();
    await files.saveRun(small);
    out.small.push(monoMs() - t);
  }
  await rm(files.dir('rsmall'), { recursive: true, force: true });
  return out;
}

// W3: interleaved, fresh copies of the same home, with the killed run and without it (flows/
// left out): openFleet until it returns (the run is tracked: status() answers from memory), and
// until step 101's task is typed; each resumed run is let finish (101 steps) and checked.
async function resumeFigures(ctx, project, like, out) {
  const withRun = await benchHome(ctx, 'resume-template-run');
  const id = await writeKilledRun(ctx, withRun, project, like);
  const without = await benchHome(ctx, 'resume-template-none');
  out.saveMs = await saveCost(ctx, withRun, id, like);
  const last = `s${pad(FLOW.resumeSteps + 1)}`;
  for (let i = 0; i < FLOW.resumeSamples + 1; i++) {
    for (const run of [true, false]) {
      const home = join(ctx.dir, `resume-${i}-${run ? 'run' : 'none'}`);
      await cp(run ? withRun : without, home, { recursive: true });
      const w0 = wallMs();
      const t = monoMs();
      const { fleet, close } = await openFlowFleet(ctx, home, `bench-res${i}${run ? 'r' : 'n'}`);
      const openMs = monoMs() - t;
      try {
        if (!run) {
          if (i > 0) out.openWithout.push(openMs);
          continue;
        }
        const engine = fleet.requireWorkflows();
        if (!engine.activeRuns().some((r) => r.id === id))
          throw new Error('the killed run is not active after openFleet');
        const deadline = monoMs() + RUN_TIMEOUT_MS;
        let record = await engine.status(id);
        while (!DONE.has(record.status) && monoMs() < deadline) {
          await sleep(2);
          record = await engine.status(id);
        }
        if (record.status !== 'succeeded') throw new Error(`resumed run ${record.status}: ${record.reason}`);
        const step = record.steps.find((s) => s.id === last);
        const task = fleet.rt.store.requireTask(step.taskId);
        const rerun = record.steps.filter((s) => s.attempts !== 1).length;
        if (rerun > 0) throw new Error(`${rerun} steps ran again after the resume`);
        while (engine.activeRuns().length > 0 && monoMs() < deadline) await sleep(2);
        if (i === 0) continue;
        out.openWith.push(openMs);
        out.untilNextTyped.push(Date.parse(task.startedAt) - w0);
        out.untilNextStarted.push(Date.parse(step.startedAt) - w0);
      } finally {
        await close();
      }
    }
  }
}

// Every workflow measurement, on fleets of their own (homes under ctx.dir, sessions bench-flow*).
export async function measureWorkflows(ctx) {
  const out = {
    transition: [],
    stepToStep: [],
    endToSucceeded: [],
    plainOne: [],
    plainNew: [],
    addWorkerMs: [],
    plainAddWorkerMs: [],
    profiles: [],
    linearWall: [],
    linearTaskMs: [],
    linearUntilForgotten: [],
    plainOneWall: [],
    plainNewWall: [],
    fanWall: [],
    fanTaskMs: [],
    fanHandWall: [],
    fanHandTaskMs: [],
    fanTimeline: [],
    saveMs: null,
    openWith: [],
    openWithout: [],
    untilNextTyped: [],
    untilNextStarted: [],
    lastRun: null,
  };
  const project = ctx.projectDir;
  const home = await benchHome(ctx, 'flow-home');
  const { fleet, close } = await openFlowFleet(ctx, home, 'bench-flow');
  const probe = instrument(fleet);
  try {
    // Warm-up: one short run and one plain task (module loading, first window of the session).
    await runToEnd(probe, linearSpec('warmup', 3), project);
    await linearFigures(ctx, probe, fleet, project, out);
    await fanOutFigures(probe, fleet, project, out);
  } finally {
    probe.detach();
    await close();
  }
  await resumeFigures(ctx, project, out.lastRun.steps[0], out);
  return out;
}

const median = (xs) => summarize(xs).p50;

// The profile of the linear runs, per step transition: ms per label (median over the runs).
function profilePerStep(profiles, steps) {
  const labels = new Set(profiles.flatMap((p) => Object.keys(p)));
  return Object.fromEntries(
    [...labels].map((label) => [
      label,
      {
        msPerStep: Number((median(profiles.map((p) => (p[label]?.ms ?? 0) / steps)) ?? 0).toFixed(2)),
        callsPerStep: Number(((profiles[0]?.[label]?.calls ?? 0) / steps).toFixed(1)),
      },
    ]),
  );
}

// The figures of the workflow measurements, in report.mjs's format.
export function workflowFigures(w) {
  const wf = median(w.stepToStep);
  const one = median(w.plainOne);
  const fresh = median(w.plainNew);
  const addWorker = median(w.addWorkerMs);
  const profile = profilePerStep(w.profiles, FLOW.steps);
  const f = (x) => (x === null ? '—' : x.toFixed(1));
  const tl = (k) => median(w.fanTimeline.map((t) => t[k]));
  return [
    {
      key: 'workflowStepTransitionMs',
      label: 'W1 step transition',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(w.transition),
      baseline: side(w.plainOne),
      limit: side(w.plainNew),
      target: { text: 'p50≤50', met: (fig) => fig.tmuxorch.p50 <= 50 },
      note: `engine 'changed' (step i succeeded) → step i+1's task typed, ${FLOW.linearRuns}×${FLOW.steps} linear \`true\` steps, each in a new worker window as the engine does it; the task ending → 'succeeded' adds ${f(median(w.endToSucceeded))} ms (p50). baseline = plain \`true\` tasks back to back on ONE worker (send + wait), limit = the same with a new worker (addWorker) before each task: runner 'finished' → next typed`,
      details: { endToSucceeded: side(w.endToSucceeded) },
    },
    {
      key: 'workflowStepOverheadMs',
      label: 'W1b step-to-step vs task-to-task',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(w.stepToStep),
      baseline: side(w.plainOne),
      limit: side(w.plainNew),
      note: `task i 'finished' → task i+1 typed, same hooks on all sides; per-step overhead over one worker ${f(wf - one)} ms (${f(wf / one)}×), over a new window per task ${f(wf - fresh)} ms (${f(wf / fresh)}×); addWorker takes ${f(addWorker)} ms in the workflow, ${f(median(w.plainAddWorkerMs))} ms by hand`,
      details: {
        overheadOverOneWorkerMs: Number((wf - one).toFixed(2)),
        overheadOverNewWindowMs: Number((wf - fresh).toFixed(2)),
        addWorkerInWorkflowMs: side(w.addWorkerMs),
        addWorkerByHandMs: side(w.plainAddWorkerMs),
        profilePerStep: profile,
      },
    },
    {
      key: 'workflowLinear20Ms',
      label: `W2 linear ${FLOW.steps} steps, wall`,
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(w.linearWall),
      baseline: side(w.plainNewWall),
      limit: side(w.linearTaskMs),
      note: `start() → the run's 'changed' as succeeded (${FLOW.linearRuns} runs; with its ${FLOW.steps} workers removed: ${f(median(w.linearUntilForgotten))} ms); baseline = the same ${FLOW.steps} tasks by hand, a new worker each (one worker: ${f(median(w.plainOneWall))} ms); limit = the sum of the tasks' own durations, so tmx/limit = wall / Σ tasks`,
    },
    {
      key: 'workflowFanOut10Ms',
      label: `W2 fan-out ${FLOW.fanOut} wide, wall`,
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(w.fanWall),
      baseline: side(w.fanHandWall),
      limit: side(w.fanTaskMs),
      note: `matrix {n: [1..${FLOW.fanOut}]} of \`true\` (${FLOW.fanOutRuns} runs), start() → run succeeded; instances typed from ${f(tl('firstTyped'))} to ${f(tl('lastTyped'))} ms, last task finished at ${f(tl('lastFinished'))} ms; baseline = ${FLOW.fanOut} workers added at once by hand, a task each (Σ tasks ${f(median(w.fanHandTaskMs))} ms); limit = Σ of the run's task durations, tmx/limit = wall / Σ tasks`,
      details: {
        timelineMs: Object.fromEntries(
          ['firstTyped', 'lastTyped', 'lastFinished', 'done'].map((k) => [k, tl(k)]),
        ),
      },
    },
    {
      key: 'workflowResumeMs',
      label: `W3 resume, ${FLOW.resumeSteps} steps done`,
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(w.openWith),
      baseline: side(w.openWithout),
      limit: null,
      note: `openFleet on a fresh copy of a home whose run.json has ${FLOW.resumeSteps} succeeded + 1 pending step (as kill -9 leaves it) until it returns, the run tracked (status() from memory), vs the same home without flows/ (interleaved, ${FLOW.resumeSamples} each); base/tmx < 1 = what the run adds`,
      details: {
        runJsonSaveMs: {
          steps101: side(w.saveMs.big),
          steps20: side(w.saveMs.small),
          bytes101: w.saveMs.bigBytes,
          bytes20: w.saveMs.smallBytes,
        },
      },
    },
    {
      key: 'workflowResumeNextStepMs',
      label: 'W3b resume, until step 101 typed',
      unit: 'ms',
      better: 'lower',
      tmuxorch: side(w.untilNextTyped),
      baseline: side(w.openWithout),
      limit: null,
      note: `openFleet called → the pending step's task typed (its task startedAt, ms; step_started ${f(median(w.untilNextStarted))} ms): includes its new worker window; baseline = openFleet without the run`,
    },
  ];
}

// Only these figures: `node bench/workflows.mjs` (build first), printed, results.json untouched.
async function main() {
  const { renderTable } = await import('./report.mjs');
  const ctx = await createContext();
  const stop = () => void ctx.cleanup().finally(() => process.exit(130));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const watchdog = setTimeout(() => {
    console.error('workflow bench budget exceeded: cleaning up');
    stop();
  }, 180_000);
  watchdog.unref();
  try {
    const t = monoMs();
    const w = await measureWorkflows(ctx);
    console.log(renderTable(workflowFigures(w), machineInfo()));
    const figs = workflowFigures(w);
    const details = Object.fromEntries(figs.filter((x) => x.details).map((x) => [x.key, x.details]));
    console.log(JSON.stringify(details, null, 2));
    console.log(`took ${((monoMs() - t) / 1000).toFixed(1)} s`);
  } finally {
    clearTimeout(watchdog);
    await ctx.cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main()
    .catch((error) => {
      console.error(error?.stack ?? String(error));
      process.exitCode = 1;
    })
    .finally(() => setTimeout(() => process.exit(), 1_000).unref());
}
