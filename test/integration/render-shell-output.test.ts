// Task output through a real shell worker (what `send --wait` and `result` give): the text a person
// saw on the pane, while output.raw keeps the bytes the pane received.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/application/contract/views.js';
import { openTestFleet, type TestFleet } from '../helpers/fleet.js';

describe('rendered task output on a shell worker', () => {
  let t: TestFleet;

  beforeAll(async () => {
    t = await openTestFleet();
    await t.addShell('render');
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  const run = async (command: string, timeoutMs?: number): Promise<TaskResult> => {
    const sent = await t.fleet.send({ worker: 'render', command, ...(timeoutMs ? { timeoutMs } : {}) });
    return t.fleet.wait(sent.id);
  };
  const rawOf = (id: string): Promise<string> =>
    readFile(join(t.settings.paths.tasksDir, id, 'output.raw'), 'utf8');

  it('shows only what a person saw: redrawn progress and spinner glyphs are gone, output.raw keeps them', async () => {
    const r = await run(
      [
        "printf 'RUNS ./a.test.js\\r\\033[K'",
        "printf 'RUNS ./b.test.js\\r\\033[K'",
        "printf '\\342\\240\\231 \\033[1G\\033[0K'", // npm's spinner glyph ⠙, then erased
        "printf 'RUNS ./c.test.js\\n\\033[1A\\033[K'",
        "echo 'PASS ./a.test.js'",
        "echo 'final line'",
      ].join('; '),
    );
    expect(r.status).toBe('succeeded');
    expect(r.output).toBe('PASS ./a.test.js\nfinal line\n');
    // Rendering came before the result: the worker is idle by the time the waiter hears.
    expect(t.worker('render').state).toBe('idle');
    const raw = await rawOf(r.id);
    expect(raw).toContain('RUNS ./a.test.js\r\x1b[K');
    expect(raw).toContain('⠙');
    expect(raw).toContain('\x1b[1A');
  });

  it('gives a plain task its bytes as they are: no escape in them, no output.raw beside (the fast path)', async () => {
    const r = await run("printf '\\033[32mok\\033[0m\\n'; echo plain");
    expect(r.output).toBe('ok\nplain\n');
    const plain = await run('echo ok');
    expect(plain.output).toBe('ok\n');
    await expect(rawOf(plain.id)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('renders the partial output of a task that timed out', async () => {
    const r = await run("printf 'RUNS ./slow.test.js\\n\\033[1A\\033[Kvisible\\n'; sleep 30", 1_500);
    expect(r.status).toBe('timed_out');
    expect(r.output).toContain('visible');
    expect(r.output).not.toContain('RUNS');
    expect(await rawOf(r.id)).toContain('RUNS ./slow.test.js');
  });
});
