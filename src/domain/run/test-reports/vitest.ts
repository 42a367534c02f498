// vitest's default and verbose reporters. Verbose prints every test as one line with its path
// (`✓ calc.test.js > calc > adds 2ms`); default prints a file line (`❯ calc.test.js (3 tests |
// 1 failed) 8ms`) with that file's tests under it, indented, but collapses a file whose tests all
// passed to its file line alone: those tests cannot be told apart from the output. Each failure
// is described once more in a `FAIL  file > suite > test` block, whose first line is the
// assertion and whose ` ❯ file:line:col` line says where. The progress summary a terminal redraws
// (`❯ calc.test.js [queued]`, `0/3`) matches none of these lines.
import { blockText, durationOf, messageOf, testCase, type TestCase } from './test-case.js';

const GLYPHS: Readonly<Record<string, TestCase['status']>> = {
  '✓': 'passed',
  '×': 'failed',
  '↓': 'skipped', // skipped
  '□': 'skipped', // todo
};
const FILE_LINE = /^ [✓❯×↓] (\S.*?) \(\d+ tests?(?: \| [^)]*)?\)(?: \d+(?:\.\d+)?m?s)?$/;
const TEST_LINE = /^( +)([✓×↓□]) (.+?)(?: (\d+(?:\.\d+)?)(ms|s))?$/;
const FAIL_HEADER = /^ FAIL {2}(.+?)\s*$/;
const LOCATION = /^ ❯ (\S+:\d+(?::\d+)?)$/;
const BLOCK_END = /^(⎯{3,}| Test Files )/;
const SEPARATOR = ' > ';

interface Failure {
  readonly path: readonly string[];
  readonly message: string | null;
  readonly details: string;
  readonly location: string | null;
}

function failures(lines: readonly string[]): Failure[] {
  const found: Failure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = FAIL_HEADER.exec(lines[i] ?? '');
    if (!header?.[1]) continue;
    let end = i + 1;
    while (end < lines.length && !BLOCK_END.test(lines[end] ?? '') && !FAIL_HEADER.test(lines[end] ?? ''))
      end++;
    const body = lines.slice(i + 1, end);
    const location = body.map((l) => LOCATION.exec(l)?.[1]).find((l) => l !== undefined) ?? null;
    const details = blockText(body);
    found.push({ path: header[1].split(SEPARATOR), message: messageOf(details), details, location });
    i = end - 1;
  }
  return found;
}

const looksLikeFile = (segment: string): boolean => /\.[cm]?[jt]sx?$|\.vue$|\.svelte$/.test(segment);

export function parseVitest(lines: readonly string[]): TestCase[] {
  const cases: { path: string[]; status: TestCase['status']; durationMs: number | null }[] = [];
  let file: string | null = null;
  for (const line of lines) {
    const header = FILE_LINE.exec(line);
    if (header?.[1]) {
      file = header[1];
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (!test?.[3]) continue;
    const path = test[3].split(SEPARATOR);
    // A verbose line names its file; a default one sits (indented) under its file line.
    const named = path.length > 1 && looksLikeFile(path[0] ?? '');
    if (!named && (file === null || (test[1] ?? '').length < 3)) continue;
    cases.push({
      path: named ? path : [file ?? '', ...path],
      status: GLYPHS[test[2] ?? ''] ?? 'failed',
      durationMs: durationOf(test[4], test[5]),
    });
  }
  const blocks = failures(lines);
  const result = cases.map((c) => {
    const [classname = '', ...rest] = c.path;
    // The default reporter leaves out the describe blocks that the FAIL block names in full.
    const block =
      c.status === 'failed'
        ? blocks.find(
            (b) =>
              b.path.join(SEPARATOR) === c.path.join(SEPARATOR) ||
              (b.path[0] === classname && b.path[b.path.length - 1] === rest[rest.length - 1]),
          )
        : undefined;
    const path = block ? block.path : c.path;
    // The failure's message, details and location, where it has a block (testCase nulls them else).
    return testCase({
      ...block,
      name: path.slice(1).join(SEPARATOR),
      classname,
      status: c.status,
      durationMs: c.durationMs,
    });
  });
  // A FAIL block for a whole file (`FAIL  a.test.js [ a.test.js ]`: it could not be loaded) is an
  // error of its own; its tests never ran.
  for (const b of blocks) {
    if (b.path.length !== 1) continue;
    const name = (b.path[0] ?? '').replace(/ \[.*\]$/, '');
    result.push(testCase({ name, classname: name, status: 'error', ...b }));
  }
  return result;
}
