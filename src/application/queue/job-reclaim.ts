// A `running` job a killed daemon left: with a recorded target it is followed again; without
// one, what it started is looked for by its attempt's tag. Found: it is followed again. A run created but never made active: failed
// (starting it now could not be told from a second start). Nothing: it never started, so it is
// pending again (that attempt does not count). Nothing is lost, nothing is started twice.
import type { Job, JobChange, JobStatus, JobTarget } from '../../domain/queue/job.js';
import type { Logger } from '../../infrastructure/logs/logger.js';
import { findTagged, type TargetDeps } from './job-targets.js';

export interface ReclaimOps {
  readonly follow: () => void;
  readonly targets: TargetDeps;
  readonly logger: Logger;
  readonly setTarget: (target: NonNullable<JobTarget>) => Promise<void>;
  readonly move: (to: JobStatus, change: JobChange) => Promise<void>;
  readonly now: () => string;
}

export async function reclaimJob(job: Job, ops: ReclaimOps): Promise<void> {
  if (job.target) {
    ops.logger.info('queue: job re-attached', { jobId: job.id, target: job.target });
    ops.follow();
    return;
  }
  const tagged = await findTagged(ops.targets, job);
  if ('unstarted' in tagged) {
    await ops.move('failed', {
      target: { runId: tagged.unstarted },
      reason: `its run ${tagged.unstarted} was created but never started (the daemon died meanwhile): retry the job`,
      finishedAt: ops.now(),
    });
    return;
  }
  if ('found' in tagged) {
    // A task that ended meanwhile is collected by the wait at once.
    ops.logger.info('queue: job found what it started', { jobId: job.id, target: tagged.found });
    await ops.setTarget(tagged.found);
    return;
  }
  ops.logger.info('queue: job was never started, pending again', { jobId: job.id });
  await ops.move('pending', { attempts: Math.max(0, job.attempts - 1), startedAt: null });
}
