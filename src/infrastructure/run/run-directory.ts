// Where a run keeps what it leaves behind, under <home>/runs/<run id>/ (or --out):
//   jobs/<job>.log            the job's last attempt, in full (earlier ones: <job>.attempt-N.log)
//   jobs/<job>.reports.json   copies of the report files the job wrote (`reports:`), [{path, text}]
//   progress.log              one line per event, what window 0 of an ephemeral run shows
//   report.json               the report `--json` prints
//   junit.xml                 the same as JUnit XML
//   fleet/                    an ephemeral run's own controller home (state, pane logs)
import { appendFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportFile } from '../../domain/run/job-tests.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { makeDirectory } from '../fs/make-directory.js';

// Run ids sort by time: 20261123-084249-k3x9.
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[a-z0-9]{4}$/;

export function newRunId(now: Date, suffix: string): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${suffix}`;
}

export class RunDirectory {
  private constructor(readonly dir: string) {}

  // Creates the directory; one that already holds files of another run is refused rather than mixed.
  static async create(dir: string): Promise<RunDirectory> {
    await makeDirectory(join(dir, 'jobs'), 0o700);
    return new RunDirectory(dir);
  }

  static async isUsed(dir: string): Promise<boolean> {
    const entries = await readdir(dir).catch(() => [] as string[]);
    return entries.some((e) => e === 'report.json' || e === 'jobs' || e === 'progress.log');
  }

  get progressFile(): string {
    return join(this.dir, 'progress.log');
  }

  get reportFile(): string {
    return join(this.dir, 'report.json');
  }

  get junitFile(): string {
    return join(this.dir, 'junit.xml');
  }

  get fleetHome(): string {
    return join(this.dir, 'fleet');
  }

  outputFile(job: string): string {
    return join(this.dir, 'jobs', `${job}.log`);
  }

  // Saves an attempt's output as the job's log; the previous attempt's log moves aside first.
  async saveOutput(job: string, attempt: number, output: string): Promise<string> {
    const file = this.outputFile(job);
    if (attempt > 1) {
      await rename(file, join(this.dir, 'jobs', `${job}.attempt-${attempt - 1}.log`)).catch(() => undefined);
    }
    await writeFileAtomic(file, output, { durable: false });
    return file;
  }

  readOutput(job: string): Promise<string> {
    return readFile(this.outputFile(job), 'utf8').catch(() => '');
  }

  // Keeps the job's report files with the run: the project may be rewritten before anyone reads them.
  async saveReports(job: string, reports: readonly ReportFile[]): Promise<void> {
    await writeFileAtomic(this.reportsFile(job), `${JSON.stringify(reports)}\n`, { durable: false });
  }

  // The job's report files, as saved; none when it had none or they cannot be read back.
  async readReports(job: string): Promise<ReportFile[]> {
    const text = await readFile(this.reportsFile(job), 'utf8').catch(() => null);
    if (text === null) return [];
    try {
      const parsed = JSON.parse(text) as unknown;
      return Array.isArray(parsed)
        ? parsed.filter(
            (r): r is ReportFile =>
              typeof (r as ReportFile | null)?.path === 'string' &&
              typeof (r as ReportFile).text === 'string',
          )
        : [];
    } catch {
      return [];
    }
  }

  private reportsFile(job: string): string {
    return join(this.dir, 'jobs', `${job}.reports.json`);
  }

  async appendProgress(line: string): Promise<void> {
    await appendFile(this.progressFile, `${line}\n`, { mode: 0o600 });
  }

  async writeReport(json: string, junit: string): Promise<void> {
    await writeFileAtomic(this.reportFile, json);
    await writeFileAtomic(this.junitFile, junit);
  }
}

// A run without its report may still be going (or was killed): it is kept for a day.
const UNFINISHED_KEPT_MS = 24 * 3_600_000;

// Keeps the newest `keep` runs under `runsDir`; only directories named like a run id are touched.
export async function pruneRuns(runsDir: string, keep: number, now = Date.now()): Promise<string[]> {
  const entries = await readdir(runsDir, { withFileTypes: true }).catch(() => []);
  const runs = entries
    .filter((e) => e.isDirectory() && RUN_ID_PATTERN.test(e.name))
    .map((e) => e.name)
    .sort();
  const removed: string[] = [];
  for (const name of runs.slice(0, Math.max(0, runs.length - keep))) {
    const dir = join(runsDir, name);
    const finished = await stat(join(dir, 'report.json')).then(
      () => true,
      () => false,
    );
    const started = await stat(dir).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (!finished && now - started < UNFINISHED_KEPT_MS) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
