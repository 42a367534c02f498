// node:test, in both of its text reporters.
// spec (the default on a terminal): `✔ name (1.2ms)`, `✖ name (1.2ms)` followed by the indented
// error, `﹣ name (0.1ms) # reason` for a skipped test, `✔ name (0.1ms) # TODO`; a describe block
// is `▶ name` before its tests and `✔/✖ name` after them, at its own indentation. The list after
// `✖ failing tests:` repeats the failures (with `test at file:line:col`) and is not counted twice.
// tap (the default elsewhere): `ok N - name`, `not ok N - name`, `# SKIP`/`# TODO` directives and
// a YAML block per test (`duration_ms`, `location`, `error`); a suite has `type: 'suite'`.
import { blockText, indentOf, messageOf, testCase, type TestCase } from './test-case.js';

const SPEC_LINE = /^( *)([✔✖﹣]) (.+?) \((\d+(?:\.\d+)?)ms\)(?: # (.*))?$/;
const SPEC_SUITE = /^( *)▶ (.+)$/;
const SPEC_FAILING = /^✖ failing tests:$/;
const SPEC_AT = /^ *test at (\S+:\d+:\d+)$/;
const TAP_LINE = /^( *)(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b ?(.*))?$/;

interface Open {
  readonly indent: number;
  readonly name: string;
}

// The suites a test at `indent` stands in, outermost first (null: none).
function suitePath(open: readonly Open[], indent: number): string | null {
  return (
    open
      .filter((s) => s.indent < indent)
      .map((s) => s.name)
      .join(' > ') || null
  );
}

function parseSpec(lines: readonly string[]): TestCase[] {
  const end = lines.findIndex((l) => SPEC_FAILING.test(l));
  const body = end === -1 ? lines : lines.slice(0, end);
  const cases: TestCase[] = [];
  let open: Open[] = [];
  for (let i = 0; i < body.length; i++) {
    const line = body[i] ?? '';
    const suite = SPEC_SUITE.exec(line);
    if (suite?.[2]) {
      const indent = (suite[1] ?? '').length;
      open = [...open.filter((s) => s.indent < indent), { indent, name: suite[2] }];
      continue;
    }
    const test = SPEC_LINE.exec(line);
    if (!test?.[3]) continue;
    const indent = (test[1] ?? '').length;
    // The closing line of a describe block: the block's tests are already counted.
    const closing = open.find((s) => s.indent === indent && s.name === test[3]);
    if (closing) {
      open = open.filter((s) => s.indent < indent);
      continue;
    }
    const directive = test[5] ?? null;
    const glyph = test[2];
    let status: TestCase['status'] = glyph === '✔' ? 'passed' : glyph === '✖' ? 'failed' : 'skipped';
    if (directive === 'TODO') status = 'skipped';
    let details: string | null = null;
    let location: string | null = null;
    if (status === 'failed') {
      let stop = i + 1;
      while (stop < body.length && ((body[stop] ?? '').trim() === '' || indentOf(body[stop] ?? '') > indent))
        stop++;
      details = blockText(body.slice(i + 1, stop));
      location = locationFromFailingList(lines, end, test[3]);
      i = stop - 1;
    }
    cases.push(
      testCase({
        name: test[3],
        classname: suitePath(open, indent),
        status,
        durationMs: Number(test[4]),
        message: status === 'skipped' ? directive : details === null ? null : messageOf(details),
        details,
        location,
      }),
    );
  }
  return cases;
}

// The `test at file:line:col` line that the failing-tests list puts before a failure's name.
function locationFromFailingList(lines: readonly string[], from: number, name: string): string | null {
  if (from === -1) return null;
  for (let i = from + 1; i < lines.length - 1; i++) {
    const at = SPEC_AT.exec(lines[i] ?? '');
    if (at?.[1] && (lines[i + 1] ?? '').trim().startsWith(`✖ ${name} (`)) return at[1];
  }
  return null;
}

// The YAML block after a TAP line, as `key: value` pairs (the `error` and `stack` values may be
// `|-` blocks over the lines indented below them).
function tapBlock(lines: readonly string[], start: number): { fields: Map<string, string>; end: number } {
  const fields = new Map<string, string>();
  if ((lines[start] ?? '').trim() !== '---') return { fields, end: start };
  let i = start + 1;
  const indent = /^ */.exec(lines[start] ?? '')?.[0].length ?? 0;
  for (; i < lines.length && (lines[i] ?? '').trim() !== '...'; i++) {
    const pair = /^ *([a-zA-Z_]+): ?(.*)$/.exec(lines[i] ?? '');
    if (!pair?.[1] || (/^ */.exec(lines[i] ?? '')?.[0].length ?? 0) !== indent) continue;
    let value = pair[2] ?? '';
    if (value === '|-' || value === '|' || value === '>-') {
      const more: string[] = [];
      while (i + 1 < lines.length && (/^ */.exec(lines[i + 1] ?? '')?.[0].length ?? 0) > indent)
        more.push(lines[++i] ?? '');
      value = blockText(more);
    }
    fields.set(pair[1], value.replace(/^'(.*)'$/, '$1'));
  }
  return { fields, end: i };
}

function parseTap(lines: readonly string[]): TestCase[] {
  const cases: TestCase[] = [];
  // `# Subtest: name` lines, by indentation: a test's suite is the subtest one level out.
  let open: Open[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const subtest = /^( *)# Subtest: (.+)$/.exec(line);
    if (subtest?.[2]) {
      const indent = (subtest[1] ?? '').length;
      open = [...open.filter((s) => s.indent < indent), { indent, name: subtest[2] }];
      continue;
    }
    const test = TAP_LINE.exec(line);
    if (!test) continue;
    const indent = (test[1] ?? '').length;
    const { fields, end } = tapBlock(lines, i + 1);
    i = end;
    open = open.filter((s) => s.indent < indent);
    if (fields.get('type') === 'suite') continue;
    const directive = test[4];
    const status: TestCase['status'] = directive ? 'skipped' : test[2] === 'ok' ? 'passed' : 'failed';
    const error = fields.get('error') ?? null;
    const location = fields.get('location') ?? null;
    cases.push(
      testCase({
        name: test[3] ?? '',
        classname: suitePath(open, indent),
        status,
        durationMs: fields.has('duration_ms') ? Number(fields.get('duration_ms')) : null,
        message: status === 'skipped' ? test[5] || null : status === 'failed' ? messageOf(error ?? '') : null,
        details: status === 'failed' ? [error, fields.get('stack')].filter(Boolean).join('\n\n') : null,
        location: status === 'failed' ? location : null,
      }),
    );
  }
  return cases;
}

export function parseNodeTest(lines: readonly string[]): TestCase[] {
  return lines.some((l) => /^TAP version \d+/.test(l)) ? parseTap(lines) : parseSpec(lines);
}
