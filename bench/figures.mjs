// Figures 1 and 2, each measured on all three sides in the same run:
// 1. completion latency: end time ($EPOCHREALTIME, printed in / written right before the end marker) →
//    the controller has the task done; 2. per-command overhead of `display-message -p '#{pane_id}'`.
import { readFile } from 'node:fs/promises';
import { ControlTransport } from '../dist/infrastructure/tmux/control-transport.js';
import { ExecClient, Poller, POLL_INTERVAL_MS, refTask } from './baseline.mjs';
import { cq } from './limit.mjs';
import { monoMs, sleep, wallMs, within } from './stats.mjs';

// Short task with a random 0–90 ms run time, so completions fall at random phases of any timer.
export const LATENCY_COMMAND = 'sleep 0.0$((RANDOM % 10))';
const WARMUP = 5;
const TASK_TIMEOUT_MS = 10_000;
const SETTLE_MS = 3;

async function stampMs(file) {
  const seconds = Number.parseFloat(await readFile(file, 'utf8'));
  if (!Number.isFinite(seconds)) throw new Error(`no end stamp in ${file}`);
  return seconds * 1000;
}

// tmuxorch: in-process fleet, one shell worker; latency = runner 'finished' (wall) − the end time
// the task's shell printed in its end marker ($EPOCHREALTIME, µs), taken from the marker event.
export async function latencyTmuxorch(fleet, worker, n, deadlineMs) {
  const finishedAt = new Map();
  const endedAt = new Map();
  const onFinished = (task) => finishedAt.set(task.id, wallMs());
  const { runner } = fleet.rt;
  const handleEnd = runner.handleEnd;
  runner.handleEnd = (workerId, event) => {
    endedAt.set(event.taskId, event.endedAtMs);
    handleEnd.call(runner, workerId, event);
  };
  runner.on('finished', onFinished);
  const samples = [];
  let failures = 0;
  try {
    for (let i = 0; i < n + WARMUP && monoMs() < deadlineMs; i++) {
      const sent = await fleet.send({ worker, command: LATENCY_COMMAND });
      const done = await within(fleet.wait(sent.id), TASK_TIMEOUT_MS, `tmuxorch task ${sent.id}`);
      if (done.status !== 'succeeded') failures++;
      const stamp = endedAt.get(sent.id);
      if (typeof stamp !== 'number') throw new Error(`no end time in the end marker of ${sent.id}`);
      if (i >= WARMUP) samples.push(finishedAt.get(sent.id) - stamp);
    }
  } finally {
    runner.off('finished', onFinished);
    runner.handleEnd = handleEnd;
  }
  return { samples, failures };
}

// limit: raw control client, same command typed with send-keys; latency = %output chunk with the
// whole marker line − stamp.
export async function latencyLimit(ctx, raw, pane, n, deadlineMs) {
  const samples = [];
  for (let i = 0; i < n + WARMUP && monoMs() < deadlineMs; i++) {
    const task = refTask(ctx, LATENCY_COMMAND);
    const seen = raw.watch(pane, task.marker);
    await raw.typeLine(pane, task.line);
    const at = await within(seen, TASK_TIMEOUT_MS, `limit marker ${task.id}`);
    if (i >= WARMUP) samples.push(at - (await stampMs(task.stamp)));
  }
  return { samples, failures: 0 };
}

// baseline: send-keys processes; a capture-pane poll every 500 ms on its own clock; each send is
// de-phased by a random 0–500 ms wait. latency = the capture that showed the marker − stamp.
export async function latencyBaseline(ctx, pane, n, deadlineMs) {
  const exec = new ExecClient(ctx);
  const poller = new Poller(exec, pane);
  const samples = [];
  try {
    for (let i = 0; i < n + 1 && monoMs() < deadlineMs; i++) {
      await sleep(Math.random() * POLL_INTERVAL_MS);
      const task = refTask(ctx, LATENCY_COMMAND);
      const seen = poller.expect(task.marker);
      await exec.typeLine(pane, task.line);
      const at = await within(seen, TASK_TIMEOUT_MS, `baseline marker ${task.id}`);
      if (i >= 1) samples.push(at - (await stampMs(task.stamp)));
    }
  } finally {
    await poller.stop();
  }
  return { samples, failures: 0, polls: poller.polls };
}

// Figure 2, interleaved sample by sample: tmuxorch's ControlTransport.run (what the daemon uses),
// a tmux process per command, and a raw control client awaiting its %end.
export async function commandOverhead(ctx, session, raw, n) {
  const control = await ControlTransport.connect({
    socket: { name: ctx.socket, configFile: '/dev/null' },
    session,
    noOutput: true,
    env: ctx.env,
  });
  ctx.onCleanup(() => control.close());
  const exec = new ExecClient(ctx);
  const args = ['display-message', '-p', '#{pane_id}'];
  const line = args.map(cq).join(' ');
  const out = { tmuxorch: [], baseline: [], limit: [] };
  try {
    for (let i = 0; i < n + 10; i++) {
      await sleep(SETTLE_MS);
      let t = monoMs();
      const reply = await control.run(args);
      const a = monoMs() - t;
      if (!reply.ok || !/^%\d+$/.test(reply.stdout[0] ?? '')) throw new Error('ControlTransport.run failed');
      t = monoMs();
      await exec.run(args);
      const b = monoMs() - t;
      await sleep(SETTLE_MS); // the exited tmux client is reaped and the server idle again
      t = monoMs();
      await raw.must(line);
      const c = monoMs() - t;
      if (i < 10) continue;
      out.tmuxorch.push(a);
      out.baseline.push(b);
      out.limit.push(c);
    }
  } finally {
    await control.close();
  }
  return out;
}
