// One workflow step on the real `claude` CLI (one-shot, against the loopback Anthropic stand-in):
// its answer is the step's summary, which the next step reads through a template; the audit has
// the agent's session id and the prompt's hash.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { agentCliDir } from '../helpers/agent-clis.js';
import { claudeEnv } from '../helpers/claude-home.js';
import { startFlow, stepOf, waitForFlow, writeWorkflow } from '../helpers/workflow-runs.js';
import { realAgentSuite } from './real-agent-suite.js';
import { expectOk } from './support.js';

const cliDir = agentCliDir();
const REASON = 'claude is not installed (.ci/run installs it into .agent-clis/)';
if (!cliDir) console.warn(`workflow-real-claude.test.ts skipped: ${REASON}`);

describe.skipIf(!cliDir)('a workflow step on the real claude CLI', () => {
  const suite = realAgentSuite();

  it('runs, hands its answer on, and records its conversation', async () => {
    const reply = 'plan: fix add() first';
    const mock = await suite.mock({ reply });
    const scratch = await suite.scratch();
    const fleet = await suite.fleet({ env: claudeEnv(scratch, cliDir ?? '', mock.url, 'sk-test-dummy') });
    await expectOk(fleet, ['start']);
    const project = await fleet.home.project('claude-flow');
    await execa('git', ['init', '-q', project]);
    const file = await writeWorkflow(
      fleet,
      `schema_version: 1
name: with-claude
roles: { planner: { agent: claude, preset: planner, edits: false } }
steps:
  plan:
    role: planner
    prompt: Plan the fix for \${{ inputs.issue }} in one line.
  echo:
    needs: plan
    run: echo "the plan was \${{ steps.plan.summary }}"
inputs:
  issue: { default: add() subtracts }
`,
    );
    const id = await startFlow(fleet, file, project);
    const run = await waitForFlow(fleet, id, undefined, 'the claude run ends');
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(stepOf(run, 'plan')).toMatchObject({ status: 'succeeded', summary: reply });
    expect(mock.messageRequests().some((r) => r.text.includes('Plan the fix for add() subtracts'))).toBe(
      true,
    );
    const output = await readFile(
      join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'steps', 'echo', '1', 'raw_output.txt'),
      'utf8',
    );
    expect(output).toContain(`the plan was ${reply}`);
    const audit = (await readFile(join(String(fleet.env.TMUXORCH_HOME), 'flows', id, 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ended = audit.find((l) => l.event === 'step_ended' && l.step === 'plan');
    expect(ended?.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(audit.find((l) => l.event === 'step_started' && l.step === 'plan')?.sentHash).toMatch(
      /^[0-9a-f]{64}$/,
    );
  }, 120_000);
});
