// A worker joining and leaving the fleet (FleetController's addWorker and removeWorker, their
// input checked there): its record saved before its pane exists, so a failed placement leaves
// nothing; and on the way out its tasks cancelled, its window closed, its secrets, hand-off files
// and key forgotten.
import { isTerminal } from '../../domain/task.js';
import { transitionWorker, type Worker } from '../../domain/worker.js';
import { WORKER_OPTION } from '../../infrastructure/tmux/format.js';
import type { OperationInput } from '../contract/operation-inputs.js';
import { toWorkerView, type WorkerView } from '../contract/views.js';
import type { FleetRuntime } from '../fleet/fleet-runtime.js';
import { checkAgentInstalled, checkSandbox, newWorkerRecord } from './new-worker.js';
import { checkProject } from '../../infrastructure/fs/project-directory.js';

export async function addWorkerTo(rt: FleetRuntime, input: OperationInput<'addWorker'>): Promise<WorkerView> {
  const { store } = rt;
  const profile = rt.profiles.require(input.type);
  await checkProject(input.project);
  await checkAgentInstalled(rt, profile);
  await checkSandbox(rt, input);
  let worker: Worker = store.putWorker(newWorkerRecord(rt, input, profile));
  const { id } = worker;
  await store.flush();
  const channel = rt.channelFor(id);
  try {
    await channel.open();
    const placement = await rt.launcher.place(worker, channel, null);
    worker = store.putWorker(
      transitionWorker(store.requireWorker(id), 'idle', {
        ...placement,
        startedAt: new Date().toISOString(),
      }),
    );
  } catch (error) {
    await rt.closeChannel(id);
    store.deleteWorker(id);
    rt.forgetSecrets(id);
    await store.flush();
    throw error;
  }
  await store.flush();
  rt.logger.info('worker added', {
    workerId: id,
    name: worker.name,
    type: input.type,
    project: input.project,
    env: worker.env,
  });
  return toWorkerView(worker, store.tasks());
}

export async function removeWorkerFrom(
  rt: FleetRuntime,
  options: OperationInput<'removeWorker'>,
): Promise<WorkerView> {
  const { store, runner, monitor, server } = rt;
  const worker = store.requireWorker(options.worker);
  monitor.cancelRevive(worker.id);
  for (const task of store.tasks()) {
    if (task.workerId === worker.id && !isTerminal(task.status)) await runner.cancel(task.id);
  }
  const stopped = store.putWorker(transitionWorker(store.requireWorker(worker.id), 'stopped'));
  if (worker.paneId) {
    if (options.keepPane)
      await server
        .pane(worker.paneId)
        .unsetOption(WORKER_OPTION)
        .catch(() => undefined);
    else if (worker.windowId) await server.killWindow(worker.windowId);
    else await server.pane(worker.paneId).kill();
  }
  await rt.closeChannel(worker.id);
  rt.forgetSecrets(worker.id);
  await rt.launcher.forgetHandoffs(worker.id);
  rt.hooks.keys?.remove(worker.id);
  store.deleteWorker(worker.id);
  await store.flush();
  rt.logger.info('worker removed', { workerId: worker.id, name: worker.name });
  return toWorkerView(stopped, store.tasks());
}
