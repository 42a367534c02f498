// cargo test (libtest): `test tests::adds ... ok`, `... FAILED`, `... ignored[, reason]`, one
// block per test binary (`Running unittests src/lib.rs (…)`, `Doc-tests calc`). A failure's
// output is printed after the block as `---- tests::adds stdout ----`; its panic line says where
// (`panicked at src/lib.rs:9:23:`) and the next lines what.
import { blockText, testCase, type TestCase } from './test-case.js';

const TEST = /^test (.+?) \.\.\. (ok|FAILED|ignored)(?:, (.*))?$/;
const RUNNING = /^ *(?:Running (?:unittests )?(\S+)|Doc-tests (\S+))/;
const OUTPUT = /^---- (.+?) stdout ----$/;
const PANIC = /panicked at (\S+:\d+:\d+):$/;

export function parseCargo(lines: readonly string[]): TestCase[] {
  const cases: { name: string; binary: string | null; status: TestCase['status']; reason: string | null }[] =
    [];
  const outputs = new Map<string, string>();
  let binary: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const running = RUNNING.exec(line);
    if (running) {
      binary = running[1] ?? `doc-tests ${running[2] ?? ''}`;
      continue;
    }
    const test = TEST.exec(line);
    if (test?.[1]) {
      const status = test[2] === 'ok' ? 'passed' : test[2] === 'FAILED' ? 'failed' : 'skipped';
      cases.push({ name: test[1], binary, status, reason: test[3] ?? null });
      continue;
    }
    const out = OUTPUT.exec(line);
    if (out?.[1]) {
      let end = i + 1;
      while (end < lines.length && !OUTPUT.test(lines[end] ?? '') && lines[end] !== 'failures:') end++;
      outputs.set(`${binary ?? ''}\n${out[1]}`, blockText(lines.slice(i + 1, end)));
      i = end - 1;
    }
  }
  return cases.map((c) => {
    const details = c.status === 'failed' ? (outputs.get(`${c.binary ?? ''}\n${c.name}`) ?? null) : null;
    const body = details?.split('\n') ?? [];
    const panic = body.findIndex((l) => PANIC.test(l));
    const location = panic === -1 ? null : (PANIC.exec(body[panic] ?? '')?.[1] ?? null);
    const message =
      panic === -1
        ? (body[0] ?? null)
        : body
            .slice(panic + 1, panic + 4)
            .join(' ')
            .trim() || null;
    const parts = c.name.split('::');
    return testCase({
      name: parts.pop() ?? c.name,
      classname: parts.join('::') || c.binary,
      status: c.status,
      message: c.status === 'skipped' ? c.reason : message,
      details,
      location,
    });
  });
}
