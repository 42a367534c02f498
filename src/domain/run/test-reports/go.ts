// go test -v: `=== RUN   TestX`, then `--- PASS: TestX (0.00s)` / `--- FAIL:` / `--- SKIP:`, with
// what the test logged (`    calc_test.go:21: got -2, want 2`) between the two. Subtests are
// `TestX/case`; a test whose subtests are listed is a container, like a describe block, and is
// not a test of its own (as test-counts counts them). The package comes from the `ok`/`FAIL`
// line that closes each package's output.
import { blockText, testCase, type TestCase } from './test-case.js';

const RESULT = /^( *)--- (PASS|FAIL|SKIP): (\S+) \((\d+(?:\.\d+)?)s\)$/;
const RUN = /^=== (RUN|CONT|PAUSE|NAME) +(\S+)$/;
const PACKAGE = /^(?:ok|FAIL)\s+(\S+)\s+(?:\d|\(cached\))/;
const LOGGED = /^ +(\S+\.go:\d+): (.*)$/;
// A package that did not build: `# pkg`, the compiler's lines, `FAIL\tpkg [build failed]`.
const NOT_BUILT = /^FAIL\s+(\S+) \[(build failed|setup failed)\]$/;
const BUILD_HEADER = /^# (\S+)(?: \[[^\]]+\])?$/;

export function parseGo(lines: readonly string[]): TestCase[] {
  const all: TestCase[] = [];
  let pending: { name: string; status: TestCase['status']; durationMs: number; logged: string[] }[] = [];
  // What each test logged, gathered between its RUN line and its result.
  const logs = new Map<string, string[]>();
  let current: string | null = null;
  const built = new Map<string, string[]>();
  let building: string[] | null = null;
  for (const line of lines) {
    const header = BUILD_HEADER.exec(line);
    if (header?.[1]) {
      building = [];
      built.set(header[1], building);
      continue;
    }
    const broken = NOT_BUILT.exec(line);
    if (broken?.[1]) {
      const said = built.get(broken[1]) ?? [];
      const first = /^(\S+\.go:\d+)(?::\d+)?: (.*)$/.exec(said[0] ?? '');
      all.push(
        testCase({
          name: broken[1],
          classname: broken[1],
          status: 'failed',
          message: `${broken[2] ?? 'build failed'}${first?.[2] ? `: ${first[2]}` : ''}`,
          details: said.join('\n') || null,
          location: first?.[1] ?? null,
        }),
      );
      building = null;
      continue;
    }
    // The compiler's lines (`a.go:3:23: undefined: x`, and indented notes under them).
    if (building !== null && (/^\S+\.go:\d+/.test(line) || /^\s+\S/.test(line))) {
      building.push(line);
      continue;
    }
    building = null;
    const run = RUN.exec(line);
    if (run?.[2]) {
      current = run[2];
      if (!logs.has(current)) logs.set(current, []);
      continue;
    }
    const result = RESULT.exec(line);
    if (result?.[3]) {
      const status = result[2] === 'PASS' ? 'passed' : result[2] === 'FAIL' ? 'failed' : 'skipped';
      pending.push({
        name: result[3],
        status,
        durationMs: Number(result[4]) * 1000,
        logged: logs.get(result[3]) ?? [],
      });
      continue;
    }
    const pkg = PACKAGE.exec(line);
    if (pkg?.[1]) {
      const names = new Set(pending.map((p) => p.name));
      for (const p of pending) {
        // A container: one of its subtests is listed.
        if ([...names].some((n) => n.startsWith(`${p.name}/`))) continue;
        const logged = blockText(p.logged);
        const first = p.logged.map((l) => LOGGED.exec(l)).find((m) => m !== null);
        all.push(
          testCase({
            name: p.name,
            classname: pkg[1],
            status: p.status,
            durationMs: p.durationMs,
            message: first?.[2] ?? null,
            details: p.status === 'passed' || logged === '' ? null : logged,
            location: p.status === 'failed' ? (first?.[1] ?? null) : null,
          }),
        );
      }
      pending = [];
      logs.clear();
      current = null;
      continue;
    }
    // What a test logs is indented; `FAIL`, `PASS` and a build error's lines are not.
    if (current !== null && /^\s+\S/.test(line)) logs.get(current)?.push(line);
  }
  return all;
}
