// Which parser reads which runner's per-test lines. The runner is the one whose summary
// test-counts found last in the output, so the tests listed are those of the run `--json` counts.
import type { TestCounts } from '../test-counts.js';
import { parseCargo } from './cargo.js';
import { parseGo } from './go.js';
import { parseJest } from './jest.js';
import { parseMocha } from './mocha.js';
import { parseNodeTest } from './node-test.js';
import { parsePytest } from './pytest.js';
import type { OutputParser, TestCase } from './test-case.js';
import { parseVitest } from './vitest.js';

export const OUTPUT_PARSERS: Readonly<Record<TestCounts['runner'], OutputParser>> = {
  vitest: parseVitest,
  jest: parseJest,
  mocha: parseMocha,
  'node:test': parseNodeTest,
  pytest: parsePytest,
  go: parseGo,
  cargo: parseCargo,
};

// The tests `runner` listed in `lines` (cleaned output lines); [] when it listed none.
export function testCasesFromLines(runner: TestCounts['runner'], lines: readonly string[]): TestCase[] {
  return OUTPUT_PARSERS[runner](lines);
}
