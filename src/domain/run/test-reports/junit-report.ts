// A JUnit XML report a job wrote itself (`reports:` in the jobs file), read into tests. Read with
// fast-xml-parser, never by pattern: runners write it in many shapes. Accepted, as GitLab and
// Jenkins accept them: a <testsuites> root or a bare <testsuite>, suites nested in suites, and
// testcases straight under <testsuites> (node:test puts top-level tests there). A testcase is
// failed with a <failure>, an error with an <error>, skipped with <skipped> (and, as Jenkins reads
// it, with a `skipped`/`disabled` status), otherwise passed.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { messageOf, testCase, type TestCase } from './test-case.js';

type XmlNode = Record<string, unknown>;

const MANY = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  // Names and messages stay strings: `name="1e3"` is not a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => MANY.has(name),
});

export type JunitReadResult =
  { readonly ok: true; readonly cases: TestCase[] } | { readonly ok: false; readonly error: string };

function nodes(value: unknown): XmlNode[] {
  if (!Array.isArray(value)) return [];
  // An element with text only (<failure>boom</failure>) comes as its text, an empty one as ''.
  return value.map((v) =>
    typeof v === 'object' && v !== null ? (v as XmlNode) : { '#text': typeof v === 'string' ? v : '' },
  );
}

function attr(node: XmlNode, name: string): string | null {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : null;
}

function text(node: XmlNode): string {
  const value = node['#text'];
  return typeof value === 'string' ? value.trim() : '';
}

function millis(seconds: string | null): number | null {
  if (seconds === null) return null;
  // Some writers use a comma thousands separator (`1,234.5`).
  const value = Number(seconds.replace(/,/g, ''));
  return Number.isFinite(value) ? Math.round(value * 1000) : null;
}

function toCase(node: XmlNode, suite: string | null): TestCase {
  const failure = nodes(node.failure)[0];
  const error = nodes(node.error)[0];
  const skipped = nodes(node.skipped)[0];
  const said = failure ?? error;
  const status: TestCase['status'] = failure
    ? 'failed'
    : error
      ? 'error'
      : skipped || attr(node, 'status') === 'skipped' || attr(node, 'status') === 'disabled'
        ? 'skipped'
        : 'passed';
  const details = said ? text(said) : '';
  const file = attr(node, 'file');
  const line = attr(node, 'line');
  return testCase({
    name: attr(node, 'name') ?? '',
    classname: attr(node, 'classname') ?? suite,
    status,
    durationMs: millis(attr(node, 'time')),
    message: said ? (attr(said, 'message') ?? messageOf(details)) : skipped ? attr(skipped, 'message') : null,
    details: details === '' ? null : details,
    location: file === null ? null : line === null ? file : `${file}:${line}`,
  });
}

function walk(node: XmlNode, suite: string | null, into: TestCase[]): void {
  for (const child of nodes(node.testcase)) into.push(toCase(child, suite));
  for (const child of nodes(node.testsuite)) walk(child, attr(child, 'name') ?? suite, into);
}

// The tests in one report file's text; an error (not XML, not JUnit) rather than a throw.
export function readJunitReport(xml: string): JunitReadResult {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, error: `line ${valid.err.line}: ${valid.err.msg}` };
  const doc = parser.parse(xml) as XmlNode;
  const cases: TestCase[] = [];
  const root = doc.testsuites;
  if (root !== undefined) {
    for (const top of Array.isArray(root) ? nodes(root) : nodes([root])) walk(top, null, cases);
  } else if (doc.testsuite !== undefined) {
    walk(doc, null, cases);
  } else {
    return { ok: false, error: 'neither <testsuites> nor <testsuite> at its root' };
  }
  return { ok: true, cases };
}
