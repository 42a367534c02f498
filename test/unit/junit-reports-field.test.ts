// The `reports:` field of a job (jobs file and API): globs of the JUnit files a job writes,
// checked with zod before anything runs, and kept inside the job's project.
import { describe, expect, it } from 'vitest';
import { toRunJobs } from '../../src/application/runs/job-spec.js';
import { useJobsFiles } from '../helpers/jobs-files.js';

const jobs = useJobsFiles('tmuxorch-reports-field-');
const read = (text: string) => jobs.read('yaml', text);

describe('reports in a jobs file', () => {
  it('takes one glob or a list, on a job or in the defaults', async () => {
    const plan = await read(
      [
        'defaults:',
        '  reports: junit/*.xml',
        'jobs:',
        '  - project: a',
        '    command: npm test',
        '    reports: ["reports/**/*.xml", " out/junit.xml "]',
        '  - project: b',
        '    command: npm test',
      ].join('\n'),
    );
    expect(plan.defaults.reports).toEqual(['junit/*.xml']);
    expect(plan.jobs[0]?.reports).toEqual(['reports/**/*.xml', 'out/junit.xml']);
    expect(plan.jobs[1]?.reports).toBeUndefined();
  });

  it.each([
    ['an absolute path', '/etc/junit.xml', 'must be relative to the project'],
    ['a step out of the project', 'junit/../../x.xml', 'must not leave the project'],
    ['an empty glob', '""', 'must not be empty'],
    ['a number', '42', ''],
  ])('refuses %s at its line', async (_what, value, reason) => {
    const error = await read(`jobs:\n  - project: a\n    command: t\n    reports: [${value}]\n`).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'TASK_FILE_INVALID' });
    expect((error as Error).message).toMatch(/:4:\d+: jobs\[0\]\.reports(\[0\])?: /);
    expect((error as Error).message).toContain(reason);
  });
});

describe('reports through the API (toRunJobs)', () => {
  it('keeps the globs on the job, and leaves a job without them as it was', () => {
    const [withReports, without] = toRunJobs(
      [
        { project: 'a', command: 'npm test', reports: ['junit/*.xml'] },
        { project: 'b', command: 'npm test' },
      ],
      jobs.dir,
    );
    expect(withReports?.reports).toEqual(['junit/*.xml']);
    expect(without).not.toHaveProperty('reports');
  });

  it('refuses a glob outside the project with a USAGE error', () => {
    for (const reports of [['/tmp/x.xml'], ['../x.xml'], ['~/x.xml'], ['']])
      expect(() => toRunJobs([{ project: 'a', command: 't', reports }], jobs.dir)).toThrow(
        expect.objectContaining({ code: 'USAGE' }),
      );
  });
});
