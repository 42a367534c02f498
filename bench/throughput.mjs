// Figure 3: short tasks (`true`) over 10 workers, one outstanding task per worker, end to end.
// tmuxorch = the application layer (FleetController.send + wait, in-process); limit = raw control
// mode send-keys + %output; baseline = send-keys processes + 500 ms capture-pane polling.
import { ExecClient, Poller, readyProbe, REF_SHELL, refTask } from './baseline.mjs';
import { cq } from './limit.mjs';
import { monoMs, within } from './stats.mjs';

const THROUGHPUT_TIMEOUT_MS = 120_000;

// `count` new panes in `session` through a raw control client, each answering a ready probe.
export async function limitPanes(raw, session, count) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const [pane] = await raw.must(
        `new-window -d -P -F '#{pane_id}' -t ${cq(`${session}:`)} ${cq(REF_SHELL)}`,
      );
      const probe = readyProbe();
      const seen = raw.watch(pane, probe.marker);
      await raw.typeLine(pane, probe.line);
      await within(seen, 30_000, `limit pane ${pane} ready`);
      return pane;
    }),
  );
}

// `count` new panes in `session` through tmux processes, each answering a ready probe.
export async function baselinePanes(ctx, session, count) {
  const exec = new ExecClient(ctx);
  return Promise.all(
    Array.from({ length: count }, async () => {
      const pane = await exec.newWindow(session);
      const probe = readyProbe();
      const poller = new Poller(exec, pane, 50); // set-up only, not measured
      try {
        const seen = poller.expect(probe.marker);
        await exec.typeLine(pane, probe.line);
        await within(seen, 30_000, `baseline pane ${pane} ready`);
      } finally {
        await poller.stop();
      }
      return pane;
    }),
  );
}

// tmuxorch: every task sent at once, every result awaited; tasks/s = tasks / wall.
export async function throughputApp(fleet, workers, tasks, command = 'true') {
  let failures = 0;
  const started = monoMs();
  await within(
    Promise.all(
      Array.from({ length: tasks }, async (_, i) => {
        const sent = await fleet.send({ worker: workers[i % workers.length], command });
        const done = await fleet.wait(sent.id);
        if (done.status !== 'succeeded') failures++;
      }),
    ),
    THROUGHPUT_TIMEOUT_MS,
    'app-layer throughput',
  );
  const ms = monoMs() - started;
  return { tasks, ms, tasksPerSec: tasks / (ms / 1000), failures };
}

// limit: per pane, type a task, wait for its marker line in %output, type the next.
export async function throughputLimit(ctx, raw, panes, tasks) {
  const perPane = Math.ceil(tasks / panes.length);
  const started = monoMs();
  await within(
    Promise.all(
      panes.map(async (pane) => {
        for (let i = 0; i < perPane; i++) {
          const task = refTask(ctx, 'true');
          const seen = raw.watch(pane, task.marker);
          await raw.typeLine(pane, task.line);
          await within(seen, 10_000, `limit task ${task.id}`);
        }
      }),
    ),
    THROUGHPUT_TIMEOUT_MS,
    'limit throughput',
  );
  const ms = monoMs() - started;
  const done = perPane * panes.length;
  return { tasks: done, ms, tasksPerSec: done / (ms / 1000), failures: 0 };
}

// baseline: per pane, send-keys processes, then a 500 ms capture-pane poller sees the marker.
export async function throughputBaseline(ctx, panes, tasks) {
  const exec = new ExecClient(ctx);
  const perPane = Math.ceil(tasks / panes.length);
  const pollers = panes.map((pane) => new Poller(exec, pane));
  const started = monoMs();
  let ms;
  try {
    await within(
      Promise.all(
        pollers.map(async (poller) => {
          for (let i = 0; i < perPane; i++) {
            const task = refTask(ctx, 'true');
            const seen = poller.expect(task.marker);
            await exec.typeLine(poller.pane, task.line);
            await within(seen, 10_000, `baseline task ${task.id}`);
          }
        }),
      ),
      THROUGHPUT_TIMEOUT_MS,
      'baseline throughput',
    );
    ms = monoMs() - started; // before the pollers wind down
  } finally {
    await Promise.all(pollers.map((p) => p.stop()));
  }
  const done = perPane * panes.length;
  return { tasks: done, ms, tasksPerSec: done / (ms / 1000), failures: 0 };
}
