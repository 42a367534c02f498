// The report files of a job, found on disk after it ends: the globs of `reports:` in its project,
// only files written since its last attempt started, no link followed out of the project; and
// their copies kept in the run directory for the JUnit report.
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReportFiles, MTIME_SLACK_MS } from '../../src/infrastructure/run/report-files.js';
import { RunDirectory } from '../../src/infrastructure/run/run-directory.js';
import { createTmpHome, type TmpHome } from '../helpers/tmp-home.js';

let tmp: TmpHome;
let project: string;
const since = Date.now();

beforeAll(async () => {
  tmp = await createTmpHome('tmuxorch-report-files-');
  project = await tmp.project('app');
  const outside = await tmp.project('outside');
  await mkdir(join(project, 'junit', 'deep'), { recursive: true });
  await writeFile(join(project, 'junit', 'a.xml'), '<testsuite name="a"/>');
  await writeFile(join(project, 'junit', 'deep', 'b.xml'), '<testsuite name="b"/>');
  await writeFile(join(project, 'junit', 'notes.txt'), 'not a report');
  // Left by an earlier run: older than the attempt, by more than a coarse clock's slack.
  const old = join(project, 'junit', 'old.xml');
  await writeFile(old, '<testsuite name="old"/>');
  const before = new Date(since - MTIME_SLACK_MS - 60_000);
  await utimes(old, before, before);
  await writeFile(join(outside, 'secret.xml'), '<testsuite name="outside"/>');
  await symlink(outside, join(project, 'junit', 'link'));
});

afterAll(async () => {
  await tmp.remove();
});

describe('findReportFiles', () => {
  it('finds what the globs match, newer than the attempt, sorted, with their text', async () => {
    expect(await findReportFiles(project, ['junit/*.xml'], since)).toEqual([
      { path: 'junit/a.xml', text: '<testsuite name="a"/>' },
    ]);
    const deep = await findReportFiles(project, ['junit/**/*.xml', 'junit/a.xml'], since);
    expect(deep.map((f) => f.path)).toEqual(['junit/a.xml', 'junit/deep/b.xml']);
  });

  it('leaves out a stale file, and a file reached through a link out of the project', async () => {
    const all = await findReportFiles(project, ['**/*.xml'], since);
    expect(all.map((f) => f.path)).not.toContain('junit/old.xml');
    expect(all.some((f) => f.text.includes('outside'))).toBe(false);
    // The stale file is found when it is new enough: it is the time that keeps it out.
    const older = await findReportFiles(project, ['junit/old.xml'], since - 3_600_000);
    expect(older.map((f) => f.path)).toEqual(['junit/old.xml']);
  });

  it('finds nothing for a glob that matches nothing, or a project that is gone', async () => {
    expect(await findReportFiles(project, ['reports/*.xml'], since)).toEqual([]);
    expect(await findReportFiles(join(tmp.dir, 'missing'), ['*.xml'], since)).toEqual([]);
  });
});

describe('RunDirectory report copies', () => {
  it('keeps the files a job wrote and reads them back; a job without any has none', async () => {
    const dir = await RunDirectory.create(join(tmp.dir, 'run'));
    const files = [{ path: 'junit/a.xml', text: '<testsuite name="é &amp; 😀"/>' }];
    await dir.saveReports('api', files);
    expect(await dir.readReports('api')).toEqual(files);
    expect(await dir.readReports('web')).toEqual([]);
    await writeFile(join(dir.dir, 'jobs', 'bad.reports.json'), '{not json');
    expect(await dir.readReports('bad')).toEqual([]);
  });
});
