// runTurn is the sim agent's whole behaviour behind both the one-shot and the TUI front ends, so it
// runs here against a real directory: the files and diffs it reports must match what it did.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTurn, type TurnOptions } from '../../src/sim/turn.js';

describe('runTurn', () => {
  let root: string;
  let project: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tmuxorch-sim-turn-'));
    // The project sits one level down so that a path escaping it would land somewhere observable.
    project = join(root, 'project');
    mkdirSync(project);
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const read = (file: string): string => readFileSync(join(project, file), 'utf8');

  // Approval is recorded so tests can tell whether the turn actually asked.
  const options = (answers: boolean[] = [], extra: Partial<TurnOptions> = {}) => {
    const asked: string[] = [];
    const opts: TurnOptions = {
      project,
      approve: (question) => {
        asked.push(question);
        return Promise.resolve(answers.shift() ?? false);
      },
      ...extra,
    };
    return { opts, asked };
  };

  it('writes and appends files and diffs a new file against /dev/null', async () => {
    const { opts } = options();
    const turn = await runTurn('write a.txt: one\\ntwo\nappend a.txt: three\nwrite sub/dir/b.txt: bee', opts);
    expect(turn).toMatchObject({ isError: false, errorKind: null, resetsAt: null });
    expect(turn.filesChanged).toEqual(['a.txt', 'sub/dir/b.txt']);
    expect(read('a.txt')).toBe('one\ntwo\nthree\n');
    expect(read('sub/dir/b.txt')).toBe('bee\n');
    expect(turn.reply).toBe('wrote a.txt\nappended to a.txt\nwrote sub/dir/b.txt');
    // A file touched twice gets one hunk covering both changes.
    expect(turn.diff).toBe(
      '--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1,3 @@\n+one\n+two\n+three\n' +
        '--- /dev/null\n+++ b/sub/dir/b.txt\n@@ -0,0 +1,1 @@\n+bee\n',
    );
  });

  it('diffs an existing file against what it held before the turn', async () => {
    writeFileSync(join(project, 'c.txt'), 'old\n');
    const turn = await runTurn('write c.txt: new', options().opts);
    expect(read('c.txt')).toBe('new\n');
    expect(turn.diff.startsWith('--- a/c.txt\n+++ b/c.txt\n')).toBe(true);
    expect(turn.diff).toContain('\n-old\n');
    expect(turn.diff).toContain('\n+new\n');
    expect(turn.diff).toBe('--- a/c.txt\n+++ b/c.txt\n@@ -1,1 +1,1 @@\n-old\n+new\n');
  });

  it('answers plain text and says so when there is nothing to do', async () => {
    const turn = await runTurn('hello', options().opts);
    expect(turn.reply).toMatch(/^sim read "hello"/);
    expect(turn.filesChanged).toEqual([]);
    expect(turn.diff).toBe('');
    expect((await runTurn('\n \n', options().opts)).reply).toBe('sim: nothing to do');
  });

  it('stops at a denied question: nothing after it runs', async () => {
    const { opts, asked } = options([false]);
    const turn = await runTurn('write before.txt: 1\nask: go on?\nwrite after.txt: 2\nask: again?', opts);
    expect(asked).toEqual(['go on?']);
    expect(turn).toMatchObject({ isError: true, errorKind: 'denied' });
    expect(turn.reply).toBe('wrote before.txt\nnot approved: go on?');
    // What ran before the question stays done and reported.
    expect(turn.filesChanged).toEqual(['before.txt']);
    expect(existsSync(join(project, 'after.txt'))).toBe(false);
  });

  it('goes on after an approved question', async () => {
    const { opts, asked } = options([true]);
    const turn = await runTurn('ask: go on?\nwrite after.txt: 2', opts);
    expect(asked).toEqual(['go on?']);
    expect(turn).toMatchObject({ isError: false, errorKind: null, filesChanged: ['after.txt'] });
    expect(turn.reply).toBe('approved: go on?\nwrote after.txt');
    expect(read('after.txt')).toBe('2\n');
  });

  it('fail: ends the turn as failed', async () => {
    const turn = await runTurn('fail: broken build\nwrite never.txt: x', options().opts);
    expect(turn).toMatchObject({ isError: true, errorKind: 'failed', reply: 'error: broken build' });
    expect(existsSync(join(project, 'never.txt'))).toBe(false);
  });

  it('limit: ends the turn as rate limited, resetting that many minutes from now', async () => {
    const before = Date.now();
    const turn = await runTurn('limit: 5\nwrite never.txt: x', options().opts);
    const after = Date.now();
    expect(turn).toMatchObject({ isError: true, errorKind: 'rate_limited' });
    const resetsAt = turn.resetsAt?.getTime() ?? 0;
    expect(resetsAt).toBeGreaterThanOrEqual(before + 5 * 60_000);
    expect(resetsAt).toBeLessThanOrEqual(after + 5 * 60_000);
    expect(turn.reply).toContain(`resets at ${turn.resetsAt?.toISOString()}`);
    expect(existsSync(join(project, 'never.txt'))).toBe(false);
  });

  it('an abort during a sleep ends the turn promptly as interrupted', async () => {
    const controller = new AbortController();
    const progress: string[] = [];
    const { opts } = options([], { signal: controller.signal, onProgress: (what) => progress.push(what) });
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const turn = await runTurn('sleep 5000\nwrite never.txt: x', opts);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(turn).toMatchObject({ isError: true, errorKind: 'interrupted', reply: 'interrupted' });
    expect(progress).toEqual(['Sleeping 5000 ms']);
    expect(existsSync(join(project, 'never.txt'))).toBe(false);
  });

  it('an already aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const turn = await runTurn('write never.txt: x', options([], { signal: controller.signal }).opts);
    expect(turn.errorKind).toBe('interrupted');
    expect(existsSync(join(project, 'never.txt'))).toBe(false);
  });

  it('refuses a path outside the project and writes nothing there', async () => {
    for (const path of ['../escaped.txt', `${root}/escaped.txt`, 'a/../../escaped.txt']) {
      const turn = await runTurn(`write ${path}: x`, options().opts);
      expect(turn, path).toMatchObject({ isError: true, errorKind: 'failed', filesChanged: [] });
      expect(turn.reply).toBe(`refused: ${path} is outside the project`);
    }
    expect(existsSync(join(root, 'escaped.txt'))).toBe(false);
  });

  // BUG (src/sim/turn.ts, sleep()): the 'abort' listener is never removed when the timer fires, so
  // every sleep of a turn leaves one behind on the signal; at 11 Node prints a
  // MaxListenersExceededWarning, which in the TUI lands on the agent's screen.
  it('leaves no abort listeners behind on the signal after its sleeps', async () => {
    const controller = new AbortController();
    const task = Array.from({ length: 3 }, () => 'sleep 1').join('\n');
    await runTurn(task, options([], { signal: controller.signal }).opts);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  // BUG (src/sim/turn.ts, runTurn 'write'/'append'): a write the filesystem refuses (the path is a
  // directory, or under a file) throws out of runTurn instead of ending the turn as failed; the
  // TUI's `void this.submit()` then dies of an unhandled rejection, and `-p --output-format json`
  // prints no JSON result.
  it('ends the turn as failed when the filesystem refuses a write', async () => {
    mkdirSync(join(project, 'adir'));
    const turn = await runTurn('write adir: x', options().opts);
    expect(turn).toMatchObject({ isError: true, errorKind: 'failed' });
  });
});
