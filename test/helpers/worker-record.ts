// A stored worker with every field filled in: an idle shell worker in pane %1 that never
// restarted. Tests name only the fields they are about, so a new Worker field is added here once.
import { NO_AGENT_STATE, type Worker } from '../../src/domain/worker.js';

export function workerRecord(changes: Partial<Worker> = {}): Worker {
  return {
    id: 'w-1',
    name: 'one',
    type: 'shell',
    project: '/srv/one',
    env: {},
    secretEnv: [],
    state: 'idle',
    paneId: '%1',
    windowId: '@1',
    restarts: 0,
    restartHistory: [],
    lastError: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    ...NO_AGENT_STATE,
    ...changes,
  };
}
