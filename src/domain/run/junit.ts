// A JUnit XML report of a batch of jobs (one per project for `tmuxorch run`), the format CI
// systems (GitHub Actions reporters, GitLab, Jenkins) read to show which project failed.
//
// Status → element, in the Jenkins/Ant reading of JUnit: <failure> is "the test ran and said no",
// <error> is "the test could not give an answer".
//   succeeded                         passed: no child but <system-out>
//   failed                            <failure>: the job ran and its command said no
//   timed_out, lost, unsubmitted,     <error>: no verdict came from the job's command
//   cancelled (after it started)
//   skipped, cancelled before start   <skipped>: the job never ran, so it says nothing about the
//   (cancelled with durationMs null)  code; an <error> would blame a project that was not tested,
//                                     and CI shows skipped cases as neither red nor green
//   anything else (queued, running)   <error>: a report written before a job ended (Ctrl-C) must
//                                     not let that job pass for passed
//
// Output is included twice, as JUnit readers expect: its tail in the <failure>/<error> body (the
// part a CI annotation shows) and its last 64 KiB in <system-out>. Colour codes are stripped
// first: ESC is not allowed in XML 1.0 and removing only it would leave `[31m` in the report.
import { stripAnsi } from '../terminal-text.js';

export interface JunitJob {
  readonly name: string;
  readonly classname: string;
  readonly status: string;
  readonly durationMs: number | null;
  readonly output: string;
  readonly reason: string | null;
  readonly exitCode: number | null;
}

export interface JunitSuite {
  readonly name: string;
  readonly timestamp: string;
  readonly jobs: ReadonlyArray<JunitJob>;
}

// 64 KiB of UTF-8, as the brief asks: big enough for a test runner's failure report, small enough
// that a report of many projects stays readable by CI tools (some cap a file at a few MB).
export const SYSTEM_OUT_MAX_BYTES = 64 * 1024;
// The failure body is what a CI annotation shows inline: the last lines are where runners print
// their summary and the failing assertion.
export const FAILURE_TAIL_LINES = 50;
export const FAILURE_TAIL_MAX_BYTES = 8 * 1024;

type Outcome = 'passed' | 'failure' | 'error' | 'skipped';

function outcome(job: JunitJob): Outcome {
  switch (job.status) {
    case 'succeeded':
      return 'passed';
    case 'failed':
      return 'failure';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return job.durationMs === null ? 'skipped' : 'error';
    default:
      return 'error'; // timed_out, lost, unsubmitted, and a status that is not final
  }
}

// Characters XML 1.0 allows (§2.2): TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
// With the `u` flag a lone surrogate is one code point outside these ranges, so it goes too.
// DEL and the C1 controls (U+007F–U+009F) are allowed but discouraged by the same section, must be
// written as references in XML 1.1, and are invisible noise in a report: they go as well.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser turns a literal CR into LF and, in attributes, TAB/LF/CR into spaces: character
  // references keep them as they were.
  '\r': '&#13;',
};
const ATTRIBUTE_ENTITIES: Readonly<Record<string, string>> = { ...ENTITIES, '\n': '&#10;', '\t': '&#9;' };

export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"'\r]/g, (ch) => ENTITIES[ch] ?? ch);
}

export function escapeXmlAttribute(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"'\r\n\t]/g, (ch) => ATTRIBUTE_ENTITIES[ch] ?? ch);
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const ch of text) bytes += utf8Length(ch.codePointAt(0) ?? 0);
  return bytes;
}

// The end of `text` that fits in `maxBytes` of UTF-8, cut between code points (never inside a
// surrogate pair), after a note of how much was left out so a reader knows the start is missing.
export function tailUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let start = text.length;
  while (start > 0) {
    const low = text.charCodeAt(start - 1);
    const high = start >= 2 ? text.charCodeAt(start - 2) : 0;
    const pair = low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff;
    const size = pair ? 4 : utf8Length(low);
    if (bytes + size > maxBytes) break;
    bytes += size;
    start -= pair ? 2 : 1;
  }
  if (start === 0) return text;
  return `[… ${utf8Bytes(text.slice(0, start))} earlier bytes omitted]\n${text.slice(start)}`;
}

function lastLines(text: string, count: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.length <= count ? lines.join('\n') : lines.slice(-count).join('\n');
}

// Terminal output as plain text: no colour codes, LF line ends.
function plainOutput(output: string): string {
  return stripAnsi(output).replace(/\r\n/g, '\n');
}

function seconds(durationMs: number | null): string {
  return ((durationMs ?? 0) / 1000).toFixed(3);
}

// The message attribute: the reason tmuxorch recorded, else what the exit code or status says.
function message(job: JunitJob): string {
  if (job.reason !== null && job.reason !== '') return job.reason;
  if (job.status === 'failed' && job.exitCode !== null) return `exit code ${job.exitCode}`;
  if (job.status === 'cancelled' && job.durationMs === null) return 'cancelled before start';
  return job.exitCode === null ? job.status : `${job.status} (exit code ${job.exitCode})`;
}

function testcase(job: JunitJob): string {
  const kind = outcome(job);
  const output = plainOutput(job.output);
  const attrs =
    `name="${escapeXmlAttribute(job.name)}" classname="${escapeXmlAttribute(job.classname)}"` +
    ` time="${seconds(job.durationMs)}"`;
  const children: string[] = [];
  const msg = escapeXmlAttribute(message(job));
  if (kind === 'failure' || kind === 'error') {
    const tail = tailUtf8(lastLines(output, FAILURE_TAIL_LINES), FAILURE_TAIL_MAX_BYTES);
    const type = escapeXmlAttribute(job.status);
    children.push(`      <${kind} message="${msg}" type="${type}">${escapeXmlText(tail)}</${kind}>`);
  } else if (kind === 'skipped') {
    children.push(`      <skipped message="${msg}"/>`);
  }
  if (output !== '') {
    children.push(`      <system-out>${escapeXmlText(tailUtf8(output, SYSTEM_OUT_MAX_BYTES))}</system-out>`);
  }
  if (children.length === 0) return `    <testcase ${attrs}/>`;
  return [`    <testcase ${attrs}>`, ...children, '    </testcase>'].join('\n');
}

export function junitXml(suite: JunitSuite): string {
  const kinds = suite.jobs.map(outcome);
  const count = (kind: Outcome) => kinds.filter((k) => k === kind).length;
  const totalMs = suite.jobs.reduce((sum, job) => sum + (job.durationMs ?? 0), 0);
  const attrs = [
    `name="${escapeXmlAttribute(suite.name)}"`,
    `tests="${suite.jobs.length}"`,
    `failures="${count('failure')}"`,
    `errors="${count('error')}"`,
    `skipped="${count('skipped')}"`,
    `time="${seconds(totalMs)}"`,
    `timestamp="${escapeXmlAttribute(suite.timestamp)}"`,
  ].join(' ');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites>',
    `  <testsuite ${attrs}>`,
    ...suite.jobs.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
