// mocha's spec reporter: an indented tree of describe blocks and tests (`✔ adds (12ms)`,
// `1) adds wrong`, `- pending one`), the `N passing` summary, then each numbered failure again:
// `1) suite` / `   test:` (its full title over as many lines as it has parts), the error and the
// stack (`at Context.<anonymous> (test/a.test.js:4:35)`).
import { blockText, durationOf, messageOf, testCase, type TestCase } from './test-case.js';

const PASSED = /^( +)[✔✓] (.+?)(?: \((\d+(?:\.\d+)?)(ms|s)\))?$/;
const FAILED = /^( +)(\d+)\) (.+)$/;
const PENDING = /^( +)- (.+)$/;
const SUITE = /^( +)(\S.*)$/;
const SUMMARY = /^ +\d+ passing \(/;
const TITLE_MAX_LINES = 20;
const AT = /\bat .*?\(?([^\s()]+:\d+:\d+)\)?$/;

interface Failure {
  readonly message: string | null;
  readonly details: string;
  readonly location: string | null;
}

// The numbered failures after the summary: number → what it said.
function failures(lines: readonly string[], from: number): Map<string, Failure> {
  const found = new Map<string, Failure>();
  for (let i = from; i < lines.length; i++) {
    const head = /^ {2}(\d+)\) /.exec(lines[i] ?? '');
    if (!head?.[1]) continue;
    // The title goes on until its line that ends in `:`.
    let start = i;
    // A title has a line per describe level: a few lines, never the rest of the output.
    const last = Math.min(lines.length, i + TITLE_MAX_LINES);
    while (start < last && !(lines[start] ?? '').trimEnd().endsWith(':')) start++;
    if (start === last) continue;
    let end = start + 1;
    while (end < lines.length && !/^ {2}\d+\) /.test(lines[end] ?? '')) end++;
    const details = blockText(lines.slice(start + 1, end));
    const location = details
      .split('\n')
      .map((l) => AT.exec(l.trim())?.[1])
      .find((l) => l !== undefined && !l.startsWith('node:'));
    found.set(head[1], { message: messageOf(details), details, location: location ?? null });
    i = end - 1;
  }
  return found;
}

export function parseMocha(lines: readonly string[]): TestCase[] {
  const summary = lines.findIndex((l) => SUMMARY.test(l));
  if (summary === -1) return [];
  const cases: (TestCase & { number?: string })[] = [];
  let suites: { indent: number; name: string }[] = [];
  const numbers: (string | null)[] = [];
  for (const line of lines.slice(0, summary)) {
    if (line.trim() === '') continue;
    const passed = PASSED.exec(line);
    const failed = FAILED.exec(line);
    const pending = PENDING.exec(line);
    const indent = /^ */.exec(line)?.[0].length ?? 0;
    const classname =
      suites
        .filter((s) => s.indent < indent)
        .map((s) => s.name)
        .join(' ') || null;
    if (passed?.[2]) {
      cases.push(
        testCase({
          name: passed[2],
          classname,
          status: 'passed',
          durationMs: durationOf(passed[3], passed[4]),
        }),
      );
      numbers.push(null);
    } else if (failed?.[3]) {
      cases.push(testCase({ name: failed[3], classname, status: 'failed' }));
      numbers.push(failed[2] ?? null);
    } else if (pending?.[2]) {
      cases.push(testCase({ name: pending[2], classname, status: 'skipped' }));
      numbers.push(null);
    } else {
      const suite = SUITE.exec(line);
      if (suite?.[2]) suites = [...suites.filter((s) => s.indent < indent), { indent, name: suite[2] }];
    }
  }
  const details = failures(lines, summary);
  return cases.map((c, i) => {
    const failure = details.get(numbers[i] ?? '');
    return failure ? { ...c, ...failure } : c;
  });
}
