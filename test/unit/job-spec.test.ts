// toRunJobs and defaultJobName: every job gets a unique, safe name (it names a worker, a tmux
// window and a log file) and an absolute project, and bad specs stop the run before it starts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProjects, toRunJobs, type JobSpec } from '../../src/application/runs/job-spec.js';
import { ProjectNotFoundError, UsageError } from '../../src/domain/errors.js';
import { defaultJobName, JOB_NAME_PATTERN } from '../../src/domain/run/run-job.js';

const spec = (project: string, over: Partial<JobSpec> = {}): JobSpec => ({
  project,
  command: 'true',
  ...over,
});

describe('defaultJobName', () => {
  it("is the project's directory name, trailing slashes ignored", () => {
    expect(defaultJobName('/src/api', new Set())).toBe('api');
    expect(defaultJobName('/src/api///', new Set())).toBe('api');
    expect(defaultJobName('web.app_v2', new Set())).toBe('web.app_v2');
  });

  it('numbers a name already taken, from 2 on', () => {
    expect(defaultJobName('/a/api', new Set(['api']))).toBe('api-2');
    expect(defaultJobName('/b/api', new Set(['api', 'api-2', 'api-3']))).toBe('api-4');
  });

  it('makes odd directory names safe, and falls back to "job"', () => {
    expect(defaultJobName('/x/my project!', new Set())).toBe('my-project-');
    expect(defaultJobName('/x/.hidden', new Set())).toBe('hidden');
    expect(defaultJobName('/x/ünï', new Set())).toBe('n-');
    expect(defaultJobName('/', new Set())).toBe('job');
    expect(defaultJobName('/x/---', new Set())).toBe('job');
  });

  it('stays a valid job name even for a long directory name that is taken many times', () => {
    const long = `/x/${'a'.repeat(80)}`;
    const taken = new Set<string>();
    for (let i = 0; i < 120; i++) taken.add(defaultJobName(long, taken));
    expect(taken.size).toBe(120);
    for (const name of taken) expect(name).toMatch(JOB_NAME_PATTERN);
  });
});

describe('toRunJobs', () => {
  it('fills in the defaults', () => {
    expect(toRunJobs([spec('/p/api', { command: 'npm test' })], '/cwd')).toEqual([
      {
        name: 'api',
        project: '/p/api',
        command: 'npm test',
        type: 'shell',
        env: {},
        timeoutMs: null,
        retries: 0,
        interactive: false,
      },
    ]);
  });

  it('keeps what the spec gives', () => {
    const [job] = toRunJobs([
      spec('/p/w', {
        name: 'w1',
        type: 'sim',
        env: { A: '1' },
        timeoutMs: 5000,
        retries: 3,
        interactive: true,
      }),
    ]);
    expect(job).toMatchObject({ name: 'w1', type: 'sim', env: { A: '1' }, timeoutMs: 5000, retries: 3 });
    expect(job?.interactive).toBe(true);
  });

  it('resolves relative projects against the given directory', () => {
    const jobs = toRunJobs([spec('api'), spec('../web'), spec('/abs/db')], '/home/me/src');
    expect(jobs.map((j) => j.project)).toEqual(['/home/me/src/api', '/home/me/web', '/abs/db']);
  });

  it('numbers jobs whose projects share a directory name', () => {
    const jobs = toRunJobs([spec('/a/api'), spec('/b/api'), spec('/c/api'), spec('/d/web')]);
    expect(jobs.map((j) => j.name)).toEqual(['api', 'api-2', 'api-3', 'web']);
  });

  it('keeps explicit names, and numbers default names around them wherever they come', () => {
    const jobs = toRunJobs([
      spec('/a/api'),
      spec('/b/other', { name: 'api' }),
      spec('/c/api', { name: 'api-2' }),
    ]);
    expect(jobs.map((j) => j.name)).toEqual(['api-3', 'api', 'api-2']);
  });

  it('refuses two jobs with the same explicit name', () => {
    expect(() => toRunJobs([spec('/a', { name: 'x' }), spec('/b', { name: 'x' })])).toThrow(
      /two jobs are named "x"/,
    );
  });

  it('refuses explicit names a worker, window or file could not carry', () => {
    for (const name of ['', 'a b', '-lead', 'a/b', 'x'.repeat(40), 'ünï']) {
      expect(() => toRunJobs([spec('/a', { name })]), name).toThrow(UsageError);
    }
    expect(() => toRunJobs([spec('/a', { name: 'x'.repeat(39) })])).not.toThrow();
  });

  it('refuses an empty or blank command', () => {
    expect(() => toRunJobs([spec('/a', { command: '' })])).toThrow(/has no command/);
    expect(() => toRunJobs([spec('/p/api', { command: ' \n\t' })])).toThrow(/job \/p\/api has no command/);
  });

  it('refuses an empty project: it would be the current directory', () => {
    expect(() => toRunJobs([spec('')], '/srv')).toThrow(UsageError);
    expect(() => toRunJobs([spec(' ', { name: 'api' })], '/srv')).toThrow(/job api has an empty project/);
  });

  it('refuses a bad type, bad retries and an empty list', () => {
    expect(() => toRunJobs([spec('/a', { type: 'Not A Type' })])).toThrow(/not a worker type/);
    for (const retries of [-1, 1.5, 101, Number.NaN]) {
      expect(() => toRunJobs([spec('/a', { retries })]), String(retries)).toThrow(/retries/);
    }
    expect(() => toRunJobs([])).toThrow(UsageError);
  });

  it('expands ~ to the home directory, as a shell would, for scripts that use the API', () => {
    const [home, under, other] = toRunJobs(
      [
        { project: '~', command: 'a', name: 'h' },
        { project: '~/src/api', command: 'a' },
        { project: '~other/x', command: 'a' },
      ],
      '/work',
    );
    expect(home?.project).toBe(homedir());
    expect(under?.project).toBe(join(homedir(), 'src', 'api'));
    // ~user is not expanded (no user database lookup): it stays a relative name.
    expect(other?.project).toBe('/work/~other/x');
  });
});

describe('checkProjects', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tmuxorch-job-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes when every project directory exists', async () => {
    await expect(checkProjects(toRunJobs([spec(dir), spec(tmpdir())]))).resolves.toBeUndefined();
  });

  it('stops on a missing project with PROJECT_NOT_FOUND naming it', async () => {
    const missing = join(dir, 'nope');
    const error: unknown = await checkProjects(toRunJobs([spec(dir), spec(missing)])).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProjectNotFoundError);
    expect((error as ProjectNotFoundError).code).toBe('PROJECT_NOT_FOUND');
    expect((error as Error).message).toContain(missing);
  });

  it('refuses a plain file given as a project', async () => {
    const file = join(dir, 'plain.txt');
    await writeFile(file, 'not a directory');
    await expect(checkProjects(toRunJobs([spec(file)]))).rejects.toThrow(ProjectNotFoundError);
  });
});
