// A workflow run's directory, <home>/flows/<run-id>/ (the layout of the seeds we were built from):
//   workflow.lock.json  the normalized workflow and inputs the run started with, and its hash:
//                       resume and audit read this, never the editable file
//   run.json            the run's state (domain/workflow/workflow-run.ts), rewritten on each change
//   result.json context.json report.md patch.diff logs.txt audit.jsonl
//   steps/<step>/<attempt>/{prompt.txt, result.json, report.md, patch.diff, logs.txt, raw_output.txt}
//   worktrees/<step>    the git worktrees of editing steps (outside the project)
// Every file is written whole (temp file + rename), 0600, in 0700 directories.
import { access, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '../../domain/errors.js';
import type { RunRecord } from '../../domain/workflow/workflow-run.js';
import type { WorkflowSpec } from '../../domain/workflow/workflow-spec.js';
import { appendPrivate } from '../fs/append-file.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { makeDirectory } from '../fs/make-directory.js';

export interface WorkflowLock {
  readonly spec: WorkflowSpec;
  readonly specHash: string;
  readonly file: string | null;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
}

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,40}$/;

export class RunFiles {
  constructor(readonly flowsDir: string) {}

  dir(runId: string): string {
    if (!RUN_ID.test(runId)) throw new RangeError(`not a run id: ${JSON.stringify(runId)}`);
    return join(this.flowsDir, runId);
  }

  stepDir(runId: string, instance: string, attempt: number): string {
    return join(this.dir(runId), 'steps', instance, String(attempt));
  }

  worktreeDir(runId: string, instance: string): string {
    return join(this.dir(runId), 'worktrees', instance);
  }

  auditFile(runId: string): string {
    return join(this.dir(runId), 'audit.jsonl');
  }

  async makeStepDir(runId: string, instance: string, attempt: number): Promise<string> {
    const dir = this.stepDir(runId, instance, attempt);
    await makeDirectory(dir);
    return dir;
  }

  async writeLock(runId: string, lock: WorkflowLock): Promise<void> {
    await this.write(runId, 'workflow.lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  }

  async readLock(runId: string): Promise<WorkflowLock | null> {
    return this.readJson<WorkflowLock>(join(this.dir(runId), 'workflow.lock.json'));
  }

  async saveRun(run: RunRecord): Promise<void> {
    await this.write(run.id, 'run.json', `${JSON.stringify(run, null, 2)}\n`);
  }

  async loadRun(runId: string): Promise<RunRecord | null> {
    return this.readJson<RunRecord>(join(this.dir(runId), 'run.json'));
  }

  // A run in progress has an `active` file: a daemon starting reads only those runs' state, not
  // every finished run's (start-up would otherwise grow with the history).
  async markActive(runId: string, active: boolean): Promise<void> {
    const file = join(this.dir(runId), 'active');
    if (active) await writeFileAtomic(file, '', { durable: false });
    else await rm(file, { force: true });
  }

  async activeRuns(): Promise<RunRecord[]> {
    const names = await readdir(this.flowsDir).catch(() => [] as string[]);
    const runs: RunRecord[] = [];
    for (const name of names.filter((n) => RUN_ID.test(n))) {
      const marked = await access(join(this.flowsDir, name, 'active')).then(
        () => true,
        () => false,
      );
      const run = marked ? await this.loadRun(name).catch(() => null) : null;
      if (run) runs.push(run);
    }
    return runs;
  }

  // The run, or WORKFLOW_NOT_FOUND (also for a name that is no run id).
  async requireRun(runId: string): Promise<RunRecord> {
    const run = RUN_ID.test(runId) ? await this.loadRun(runId) : null;
    if (!run) throw new WorkflowNotFoundError(`no workflow run ${runId}`, { id: runId });
    return run;
  }

  // Every run on disk, newest first.
  async listRuns(): Promise<RunRecord[]> {
    const names = await readdir(this.flowsDir).catch(() => [] as string[]);
    const runs = await Promise.all(
      names.filter((name) => RUN_ID.test(name)).map((name) => this.loadRun(name).catch(() => null)),
    );
    return runs
      .filter((run): run is RunRecord => run !== null)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  // A file of the run (result.json, context.json, report.md, patch.diff), written whole.
  async write(runId: string, name: string, text: string): Promise<void> {
    await writeFileAtomic(join(this.dir(runId), name), text, { durable: name === 'run.json' });
  }

  async writeStepFile(dir: string, name: string, text: string): Promise<void> {
    await writeFileAtomic(join(dir, name), text, { durable: false });
  }

  // Appends to a step's file (the merge step's verify outputs, one after another).
  async appendStepFile(dir: string, name: string, text: string): Promise<void> {
    await makeDirectory(dir);
    await appendPrivate(join(dir, name), text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  // Appends to the run's logs.txt (what happened, one line an event, for a person).
  async appendLog(runId: string, line: string): Promise<void> {
    await appendPrivate(join(this.dir(runId), 'logs.txt'), `${line}\n`);
  }

  async readText(path: string): Promise<string | null> {
    return readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
  }

  private async readJson<T>(path: string): Promise<T | null> {
    const text = await this.readText(path);
    return text === null ? null : (JSON.parse(text) as T);
  }
}
