// The example workflows are valid as shipped: the sim one the demo runs, and the one for real
// agents (which needs logged-in CLIs to run, so only its file is checked here).
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planWorkflow } from '../../src/domain/workflow/workflow-graph.js';
import { parseWorkflowText } from '../../src/infrastructure/workflow/workflow-file.js';

const DIR = resolve(import.meta.dirname, '../../examples/workflows');

describe('examples/workflows', () => {
  it('holds valid workflows that plan the same steps for the sim and for real agents', async () => {
    const files = (await readdir(DIR)).filter((name) => name.endsWith('.yaml')).sort();
    expect(files).toEqual(['fix-bugs.real.yaml', 'fix-bugs.yaml']);
    const plans = await Promise.all(
      files.map(async (name) =>
        planWorkflow(parseWorkflowText(await readFile(join(DIR, name), 'utf8'), name).spec),
      ),
    );
    expect(plans[0]?.levels).toEqual(plans[1]?.levels);
    expect(plans[1]?.gates).toEqual(['approve']);
  });
});
