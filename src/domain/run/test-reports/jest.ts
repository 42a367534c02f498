// jest's default reporter. A file line (` PASS  ./a.test.js`, ` FAIL  …`) opens each file; with
// --verbose (or a single file) its describe blocks and tests follow as an indented tree
// (`✓ adds (7 ms)`, `✕ …`, `○ skipped …`, `✎ todo …`); every failure is then described in a
// `● suite › test` block: the matcher line, `Expected:`/`Received:`, a code frame and
// `at … (file:line:col)`. Without --verbose only the failures are listed, from those blocks.
// On a terminal jest redraws a ` RUNS  ./a.test.js` status line between everything it prints;
// those lines are dropped before reading.
import { blockText, durationOf, firstLineOf, testCase, type TestCase } from './test-case.js';

const FILE_LINE = /^ (PASS|FAIL) {2}(\S+)/;
const RUNS_LINE = /^ RUNS {2}/;
const TEST_LINE = /^( +)(✓|✕|○ skipped|✎ todo) (.+?)(?: \((\d+(?:\.\d+)?) (ms|s)\))?$/;
const SUITE_LINE = /^( +)(\S.*)$/;
const BLOCK = /^ {2}● (.+)$/;
const SUMMARY = /^(Test Suites|Tests|Snapshots|Time):/;
const AT = /\bat .*?\(?([^\s()]+:\d+:\d+)\)?$/;
const SEPARATOR = ' › ';

const STATUS: Readonly<Record<string, TestCase['status']>> = {
  '✓': 'passed',
  '✕': 'failed',
  '○ skipped': 'skipped',
  '✎ todo': 'skipped',
};

interface Block {
  readonly file: string | null;
  readonly title: string;
  readonly message: string | null;
  readonly details: string;
  readonly location: string | null;
}

// `expect(received).toBe(expected) // Object.is equality` says which matcher; the lines after it
// say what was wrong, so the message carries both.
function messageOf(details: string): string | null {
  const first = firstLineOf(details);
  const said = details
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(Expected|Received)( [a-z ]+)?:/.test(l));
  return said.length === 0 ? first : `${first ?? ''} (${said.join(', ')})`;
}

export function parseJest(all: readonly string[]): TestCase[] {
  const lines = all.filter((l) => !RUNS_LINE.test(l));
  const cases: {
    file: string | null;
    title: string;
    status: TestCase['status'];
    durationMs: number | null;
  }[] = [];
  const blocks: Block[] = [];
  let file: string | null = null;
  // Describe blocks open around the current line, by indentation.
  let suites: { indent: number; name: string }[] = [];
  let inTree = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const header = FILE_LINE.exec(line);
    if (header?.[2]) {
      file = header[2].replace(/^\.\//, '');
      suites = [];
      inTree = true;
      continue;
    }
    const block = BLOCK.exec(line);
    if (block?.[1]) {
      let end = i + 1;
      while (
        end < lines.length &&
        !BLOCK.test(lines[end] ?? '') &&
        !FILE_LINE.test(lines[end] ?? '') &&
        !SUMMARY.test(lines[end] ?? '')
      )
        end++;
      const details = blockText(lines.slice(i + 1, end));
      const location = details
        .split('\n')
        .map((l) => AT.exec(l.trim())?.[1])
        .find((l) => l !== undefined && !l.includes('node_modules'));
      blocks.push({
        file,
        title: block[1],
        message: messageOf(details),
        details,
        location: location ?? null,
      });
      inTree = false;
      i = end - 1;
      continue;
    }
    if (SUMMARY.test(line)) inTree = false;
    if (!inTree || line.trim() === '') continue;
    const test = TEST_LINE.exec(line);
    if (test?.[3]) {
      const indent = (test[1] ?? '').length;
      const path = suites.filter((s) => s.indent < indent).map((s) => s.name);
      cases.push({
        file,
        title: [...path, test[3]].join(SEPARATOR),
        status: STATUS[test[2] ?? ''] ?? 'failed',
        durationMs: durationOf(test[4], test[5]),
      });
      continue;
    }
    const suite = SUITE_LINE.exec(line);
    if (suite?.[2]) {
      const indent = (suite[1] ?? '').length;
      suites = [...suites.filter((s) => s.indent < indent), { indent, name: suite[2] }];
    }
  }
  const used = new Set<Block>();
  const result = cases.map((c) => {
    const block =
      c.status === 'failed'
        ? blocks.find((b) => !used.has(b) && b.title === c.title && b.file === c.file)
        : undefined;
    if (block) used.add(block);
    // The failure's message, details and location, where it has a block (testCase nulls them else).
    return testCase({
      ...block,
      name: c.title,
      classname: c.file,
      status: c.status,
      durationMs: c.durationMs,
    });
  });
  // Failures with no tree line (no --verbose), and files that could not run.
  for (const b of blocks) {
    if (used.has(b)) continue;
    const status = b.title === 'Test suite failed to run' ? 'error' : 'failed';
    result.push(testCase({ name: b.title, classname: b.file, status, ...b }));
  }
  return result;
}
