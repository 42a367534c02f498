// junitXml: structure, status mapping, escaping and truncation, with every report checked by a
// real XML parser (python3's expat through xml.dom.minidom and ElementTree, else xmllint) rather
// than by string matching alone: a report CI cannot parse is worse than none.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FAILURE_TAIL_LINES,
  junitXml,
  SYSTEM_OUT_MAX_BYTES,
  tailUtf8,
  type JunitJob,
} from '../../src/domain/run/junit.js';

const HAS_PYTHON = spawnSync('python3', ['-c', 'import xml.dom.minidom, xml.etree.ElementTree']).status === 0;
const HAS_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;
const NO_PARSER = !HAS_PYTHON && !HAS_XMLLINT;
if (NO_PARSER) console.warn('junit.test.ts: neither python3 nor xmllint found; XML validation tests skipped');

const dir = mkdtempSync(join(tmpdir(), 'tmuxorch-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Element {
  readonly tag: string;
  readonly attrib: Record<string, string>;
  readonly text: string | null;
  readonly children: Element[];
}

// minidom for the well-formedness check the brief names, ElementTree to hand the tree back as JSON.
const PARSE_SCRIPT = `
import sys, json, xml.dom.minidom, xml.etree.ElementTree as ET
xml.dom.minidom.parse(sys.argv[1])
def conv(e): return {'tag': e.tag, 'attrib': e.attrib, 'text': e.text, 'children': [conv(c) for c in e]}
print(json.dumps(conv(ET.parse(sys.argv[1]).getroot())))
`;

let fileNo = 0;
// Throws with the parser's message when `xml` is not well-formed; the tree when python3 is here.
function parseXml(xml: string): Element | null {
  const file = join(dir, `report-${fileNo++}.xml`);
  writeFileSync(file, xml, 'utf8');
  const run = HAS_PYTHON
    ? spawnSync('python3', ['-c', PARSE_SCRIPT, file], { encoding: 'utf8' })
    : spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`not well-formed: ${run.stderr}`);
  return HAS_PYTHON ? (JSON.parse(run.stdout) as Element) : null;
}

const job = (over: Partial<JunitJob> = {}): JunitJob => ({
  name: 'api',
  classname: 'tmuxorch.run',
  status: 'succeeded',
  durationMs: 1234,
  output: 'ok\n',
  reason: null,
  exitCode: 0,
  ...over,
});

const suite = (jobs: JunitJob[]) => ({ name: 'tmuxorch run', timestamp: '2025-01-02T03:04:05Z', jobs });

const child = (e: Element, tag: string) => e.children.find((c) => c.tag === tag);

describe('junitXml structure', () => {
  const jobs = [
    job({ name: 'api', status: 'succeeded', durationMs: 1500 }),
    job({ name: 'web', status: 'failed', exitCode: 1, output: 'Tests  1 failed | 2 passed (3)\n' }),
    job({
      name: 'cli',
      status: 'timed_out',
      exitCode: 124,
      reason: 'timed out after 30 s',
      durationMs: 30000,
    }),
    job({ name: 'db', status: 'lost', exitCode: null, durationMs: null, output: '' }),
    job({ name: 'ui', status: 'unsubmitted', exitCode: null }),
    job({ name: 'ops', status: 'cancelled', exitCode: 130, durationMs: 200 }),
    job({ name: 'docs', status: 'cancelled', exitCode: null, durationMs: null, output: '' }),
    job({ name: 'lib', status: 'skipped', exitCode: null, durationMs: null, output: '', reason: 'no tests' }),
  ];
  const xml = junitXml(suite(jobs));

  it('starts with the XML declaration and has one testsuite per job inside testsuites', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tmuxorch run" ')).toBe(
      true,
    );
    expect(xml.match(/<testsuite /g)).toHaveLength(jobs.length);
    expect(xml.match(/<testcase /g)).toHaveLength(jobs.length);
    expect(xml.endsWith('</testsuites>\n')).toBe(true);
  });

  it('counts failures, errors and skipped on the root, and without a wall time sums the jobs', () => {
    expect(xml).toContain(
      '<testsuites name="tmuxorch run" tests="8" failures="1" errors="4" skipped="2" time="34.168"' +
        ' timestamp="2025-01-02T03:04:05Z">',
    );
  });

  it("names each suite after its job, timed by the job, and the root by the run's wall time", () => {
    expect(xml).toContain(
      '<testsuite name="web" tests="1" failures="1" errors="0" skipped="0" time="1.234" timestamp="2025-01-02T03:04:05Z">',
    );
    expect(xml).toContain(
      '<testsuite name="cli" tests="1" failures="0" errors="1" skipped="0" time="30.000"',
    );
    const timed = junitXml({ ...suite(jobs), durationMs: 30_500 });
    expect(timed).toContain(
      '<testsuites name="tmuxorch run" tests="8" failures="1" errors="4" skipped="2" time="30.500"',
    );
  });

  it('maps each status to its element', () => {
    expect(xml).toContain('<testcase name="api" classname="tmuxorch.run" time="1.500">');
    expect(xml).toContain(
      '<failure message="exit code 1" type="failed">Tests  1 failed | 2 passed (3)</failure>',
    );
    expect(xml).toContain('<error message="timed out after 30 s" type="timed_out">');
    expect(xml).toContain('<testcase name="db" classname="tmuxorch.run" time="0.000">');
    expect(xml).toContain('<error message="lost" type="lost"></error>');
    expect(xml).toContain('<error message="unsubmitted" type="unsubmitted">');
    expect(xml).toContain('<error message="cancelled (exit code 130)" type="cancelled">');
    expect(xml).toContain('<skipped message="cancelled before start"/>');
    expect(xml).toContain('<skipped message="no tests"/>');
  });

  it('writes a job with no output and no verdict element as an empty testcase', () => {
    const out = junitXml(suite([job({ output: '' })]));
    expect(out).toContain('<testcase name="api" classname="tmuxorch.run" time="1.234"/>');
  });

  it('writes an empty suite', () => {
    const out = junitXml(suite([]));
    expect(out).toContain('tests="0" failures="0" errors="0" skipped="0" time="0.000"');
  });

  it.skipIf(NO_PARSER)('is well-formed XML, and reads back as written', () => {
    const tree = parseXml(xml);
    if (!tree) return; // xmllint only: well-formedness was all it could check
    expect(tree.tag).toBe('testsuites');
    expect(tree.attrib).toMatchObject({ tests: '8', failures: '1', errors: '4', skipped: '2' });
    expect(tree.children.map((ts) => ts.attrib.name)).toEqual(jobs.map((j) => j.name));
    const kinds = tree.children.map((ts) => {
      expect(ts.children).toHaveLength(1);
      const tc = ts.children[0] as Element;
      return tc.children.find((c) => c.tag !== 'system-out')?.tag ?? 'passed';
    });
    expect(kinds).toEqual(['passed', 'failure', 'error', 'error', 'error', 'error', 'skipped', 'skipped']);
  });
});

describe('junitXml escaping', () => {
  const nasty = `a & b < c > d "quoted" 'single'`;
  const controls = 'x\x00y\x01z\x07\x08\x0b\x0c\x1f\x7f\x85\x9b\ufffe\uffff\ud800!';
  const jobs = [
    job({
      name: nasty,
      classname: `${nasty}.cls`,
      status: 'failed',
      exitCode: 2,
      reason: `line one\nline\ttwo\r & <three>`,
      output: `\x1b[31mred\x1b[0m ${nasty}\ttab\r\nnext ${controls} é 😀 ]]> end\n`,
    }),
  ];
  const xml = junitXml({ name: `suite ${nasty}`, timestamp: '2025-01-02T03:04:05Z', jobs });

  it('escapes the five special characters in attributes and text', () => {
    const escaped = 'a &amp; b &lt; c &gt; d &quot;quoted&quot; &apos;single&apos;';
    expect(xml).toContain(`<testcase name="${escaped}" classname="${escaped}.cls"`);
    expect(xml).toContain(`<testsuites name="suite ${escaped}"`);
    expect(xml).toContain(`<testsuite name="${escaped}"`);
    expect(xml).toContain(`red ${escaped}\ttab\nnext`);
    expect(xml).toContain(']]&gt; end');
  });

  it('keeps newlines, tabs and CRs in attributes as character references', () => {
    expect(xml).toContain('message="line one&#10;line&#9;two&#13; &amp; &lt;three&gt;"');
  });

  it('removes the control characters XML 1.0 forbids or discourages and colour codes, keeping tab, LF and CR', () => {
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
    expect(xml).toContain('\ttab\n'); // TAB and LF kept
    expect(xml).not.toMatch(/[\ufffe\uffff]/);
    expect(xml).toContain('next xyz! é 😀');
    expect(xml).not.toContain('[31m');
  });

  it.skipIf(!HAS_PYTHON)('reads back through a real parser to the cleaned text', () => {
    const tree = parseXml(xml);
    const tc = tree?.children[0]?.children[0];
    expect(tc?.attrib['name']).toBe(nasty);
    const failure = tc && child(tc, 'failure');
    expect(failure?.attrib['message']).toBe('line one\nline\ttwo\r & <three>');
    const out = `red ${nasty}\ttab\nnext xyz! é 😀 ]]> end\n`;
    expect(failure?.text).toBe(out.trimEnd());
    expect(tc && child(tc, 'system-out')?.text).toBe(out);
  });

  it.skipIf(NO_PARSER)('is well-formed for every single character of the BMP', () => {
    const all = Array.from({ length: 0x10000 }, (_, i) => String.fromCharCode(i)).join('');
    const out = junitXml(
      suite([job({ name: all.slice(0, 4096), status: 'failed', output: all, reason: all })]),
    );
    expect(() => parseXml(out)).not.toThrow();
  });

  it.skipIf(NO_PARSER)('the parser used here does reject malformed XML', () => {
    expect(() => parseXml('<a>\x01</a>')).toThrow(/not well-formed/);
    expect(() => parseXml('<a b="<"/>')).toThrow(/not well-formed/);
  });
});

describe('junitXml output size', () => {
  it('keeps the last 64 KiB of output in system-out, cut between characters', () => {
    // 3-byte and 4-byte characters, so a cut by bytes must not split one.
    const big = 'é€😀\n'.repeat(20_000) + 'THE END\n';
    const xml = junitXml(suite([job({ output: big })]));
    const out = /<system-out>([\s\S]*)<\/system-out>/.exec(xml)?.[1] ?? '';
    const body = out.slice(out.indexOf('\n') + 1);
    expect(out).toMatch(/^\[… \d+ earlier bytes omitted\]\n/);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(SYSTEM_OUT_MAX_BYTES);
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(SYSTEM_OUT_MAX_BYTES - 4);
    expect(body.endsWith('THE END\n')).toBe(true);
    expect(body).not.toContain('\ufffd');
    const omitted = Number(/(\d+) earlier/.exec(out)?.[1]);
    expect(omitted + Buffer.byteLength(body, 'utf8')).toBe(Buffer.byteLength(big, 'utf8'));
  });

  it('puts the last lines of output in the failure body', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const xml = junitXml(suite([job({ status: 'failed', exitCode: 1, output: lines.join('\n') + '\n' })]));
    const body = /<failure [^>]*>([\s\S]*?)<\/failure>/.exec(xml)?.[1] ?? '';
    expect(body.split('\n')).toEqual(lines.slice(-FAILURE_TAIL_LINES));
  });

  it('tailUtf8 leaves short text alone and never splits a surrogate pair', () => {
    expect(tailUtf8('short', 100)).toBe('short');
    expect(tailUtf8('a😀', 4)).toBe('[… 1 earlier bytes omitted]\n😀');
    expect(tailUtf8('a😀', 3)).toBe('[… 5 earlier bytes omitted]\n');
  });
});
