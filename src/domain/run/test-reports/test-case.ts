// One test as a runner reported it, from its own report file or from its per-test output lines:
// what a JUnit <testcase> needs (name, where it belongs, verdict, and for a failure its message
// and location), whatever the source.
export type TestCaseStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface TestCase {
  readonly name: string;
  // The suite path or file the test belongs to, as the runner names it; null when it says none.
  readonly classname: string | null;
  readonly status: TestCaseStatus;
  readonly durationMs: number | null;
  // One line: the assertion or the skip reason.
  readonly message: string | null;
  // The failure as the runner printed it (assertion, diff, stack).
  readonly details: string | null;
  // Where the failure happened, `file:line[:col]`, when the runner printed it.
  readonly location: string | null;
}

// A runner's per-test lines turned into tests. Fed lines already cleaned of terminal codes.
export type OutputParser = (lines: readonly string[]) => TestCase[];

export function testCase(fields: Pick<TestCase, 'name' | 'status'> & Partial<TestCase>): TestCase {
  return {
    name: fields.name,
    classname: fields.classname ?? null,
    status: fields.status,
    durationMs: fields.durationMs ?? null,
    message: fields.message ?? null,
    details: fields.details ?? null,
    location: fields.location ?? null,
  };
}

// A block of lines as text: common indentation removed, blank lines at either end dropped.
export function blockText(lines: readonly string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] ?? '').trim() === '') start++;
  while (end > start && (lines[end - 1] ?? '').trim() === '') end--;
  const body = lines.slice(start, end);
  const indents = body.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return body.map((l) => l.slice(cut).trimEnd()).join('\n');
}

// The first line of `text` that says something, trimmed.
export function firstLineOf(text: string): string | null {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? null
  );
}

// A duration as runners print it: `12ms`, `(5 ms)`, `1.5s`, `(10.56ms)`.
export function durationOf(amount: string | undefined, unit: string | undefined): number | null {
  if (amount === undefined) return null;
  const value = Number(amount);
  if (!Number.isFinite(value)) return null;
  return unit === 's' ? value * 1000 : value;
}

// A failure's message: its first line, and the next one when the first only introduces it
// (`Expected values to be strictly equal:` / `2 !== 3`).
export function messageOf(details: string): string | null {
  const lines = details
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const first = lines[0];
  if (first === undefined) return null;
  const next = lines[1];
  return first.endsWith(':') && next !== undefined && !next.startsWith('at ') ? `${first} ${next}` : first;
}

export function indentOf(line: string): number {
  return /^ */.exec(line)?.[0].length ?? 0;
}
