// The queue's jobs on disk: <home>/queue/jobs/<job-id>.json, one file per job, each written whole
// (temp file + fsync + rename, writeFileAtomic), and an index by idempotency key built when they
// are loaded.
//
// Why a file per job and not a journal + snapshot (as state/ has): a job changes state a handful
// of times in its life (accepted, started, its target recorded, finished), not thousands of times
// a second, so the cost that a journal saves (rewriting what did not change) is small here; and a
// file per job is kill -9 safe with no replay rule at all: a reader sees the old file or the new
// one, never half of one, and a crash between two writes leaves the last complete state of each
// job. What a job needs to be safe is the order of its own writes, which `save` keeps (one write
// of a job at a time, in the order asked). The fsync makes an accepted job survive an OS crash too
// (the directory entry of a new job is not fsynced: a power cut may lose a job accepted in the
// last moments, never corrupt one). 1,000 jobs are 1,000 small files read once at start.
//
// The callers' rule (job-queue.ts): `save` resolves only once the file is renamed in place, and a
// job is acknowledged (accepted) or acted on (started) only after the save of that state resolved.
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { jobRecordSchema, JOB_ID_PATTERN, type Job } from '../../domain/queue/job.js';
import { writeFileAtomic, removeStaleTemps } from '../fs/atomic-file.js';
import { makeDirectory } from '../fs/make-directory.js';

export interface JobStoreLoad {
  readonly jobs: number;
  // Files that were not a job (kept aside as <file>.corrupt-<time>, never deleted).
  readonly unreadable: readonly string[];
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly keys = new Map<string, string>();
  private readonly writes = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(readonly dir: string) {}

  get jobsDir(): string {
    return join(this.dir, 'jobs');
  }

  fileOf(id: string): string {
    if (!JOB_ID_PATTERN.test(id)) throw new RangeError(`not a job id: ${JSON.stringify(id)}`);
    return join(this.jobsDir, `${id}.json`);
  }

  // Reads every job file; the one writer (the daemon) calls it once, before anything else.
  async load(): Promise<JobStoreLoad> {
    this.jobs.clear();
    this.keys.clear();
    await makeDirectory(this.jobsDir);
    const names = await readdir(this.jobsDir);
    const unreadable: string[] = [];
    for (const name of names) {
      const match = /^(j[a-z0-9]+)\.json$/.exec(name);
      if (!match) continue;
      const file = join(this.jobsDir, name);
      await removeStaleTemps(file);
      const job = await readFile(file, 'utf8')
        .then((text) => jobRecordSchema.safeParse(JSON.parse(text)))
        .catch(() => null);
      if (!job?.success || job.data.id !== match[1]) {
        unreadable.push(name);
        await rename(file, `${file}.corrupt-${Date.now()}`).catch(() => undefined);
        continue;
      }
      this.remember(job.data as Job);
    }
    return { jobs: this.jobs.size, unreadable };
  }

  private remember(job: Job): void {
    this.jobs.set(job.id, job);
    this.keys.set(job.key, job.id);
    if (job.seq >= this.seq) this.seq = job.seq + 1;
  }

  nextSeq(): number {
    return this.seq++;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  byKey(key: string): Job | undefined {
    const id = this.keys.get(key);
    return id === undefined ? undefined : this.jobs.get(id);
  }

  // Every job, in submission order.
  all(): Job[] {
    return [...this.jobs.values()].sort((a, b) => a.seq - b.seq);
  }

  // Records the job now (in memory: the key is taken at once, so a concurrent submission with it
  // finds this job) and resolves once its file holds this state. Writes of one job happen one at
  // a time, in call order: a later state never loses to an earlier one on disk.
  save(job: Job): Promise<void> {
    this.remember(job);
    const text = `${JSON.stringify(job, null, 2)}\n`;
    const file = this.fileOf(job.id);
    const previous = this.writes.get(job.id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => writeFileAtomic(file, text, { durable: true }));
    this.writes.set(job.id, next);
    void next
      .finally(() => {
        if (this.writes.get(job.id) === next) this.writes.delete(job.id);
      })
      .catch(() => undefined);
    return next;
  }

  // Forgets a job and deletes its file (retention), after any write of it still in flight. Its
  // key is free again: a later submission with it is a new job.
  async remove(id: string): Promise<void> {
    await this.writes.get(id)?.catch(() => undefined);
    const job = this.jobs.get(id);
    this.jobs.delete(id);
    if (job && this.keys.get(job.key) === id) this.keys.delete(job.key);
    await rm(this.fileOf(id), { force: true });
  }

  // Every write asked for so far is on disk.
  async flush(): Promise<void> {
    await Promise.all([...this.writes.values()].map((w) => w.catch(() => undefined)));
  }
}
