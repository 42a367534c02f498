// The machine-output contract holds for what the CLI really prints: `result`, `status`, `run` and
// an error, each checked strictly against its zod schema (a field printed but not declared fails)
// and against the JSON Schema `tmuxorch schema NAME` prints, with a real JSON Schema validator,
// as a script would.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUT_SCHEMAS, type OutputName } from '../../src/application/contract/output-contract.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';

describe('tmuxorch schema and the outputs it describes', () => {
  let fleet: CliFleet;
  const outputs = new Map<OutputName, unknown[]>();
  const keep = (name: OutputName, stdout: string): void => {
    outputs.set(name, [...(outputs.get(name) ?? []), JSON.parse(stdout) as unknown]);
  };

  beforeAll(async () => {
    fleet = await createCliFleet();
    expect((await fleet.run(['start'])).exitCode).toBe(0);
    const project = await fleet.home.project('p');
    await fleet.run(['add-worker', '--type', 'shell', '--project', project, '--name', 'w']);
    await fleet.run(['add-worker', '--type', 'sim', '--project', project, '--name', 'agent']);
    keep('result', (await fleet.run(['send', 'w', '--wait', '--json', '--', 'echo hi; exit 3'])).stdout);
    keep('result', (await fleet.run(['send', 'agent', '--wait', '--json', '--', 'say hello'])).stdout);
    const queued = await fleet.run(['send', 'w', '--json', '--timeout', '30s', '--', 'sleep 30']);
    const { id } = JSON.parse(queued.stdout) as { id: string };
    keep('result', (await fleet.run(['result', id, '--json'])).stdout);
    await fleet.run(['cancel', id]);
    keep('status', (await fleet.run(['status', '--json'])).stdout);
    keep('budget', (await fleet.run(['budget', '--json'])).stdout);
    // A workflow run to the end, and one waiting at its gate (status lists it).
    const flowFile = join(fleet.home.dir, 'flow.yaml');
    await writeFile(
      flowFile,
      'schema_version: 1\nname: tiny\nsteps:\n  hi: { run: echo hi }\n  ok: { needs: hi, gate: { message: fine? } }\n',
    );
    keep(
      'flow',
      (await fleet.run(['flow', 'run', flowFile, '--project', project, '--mode', 'auto', '--wait', '--json']))
        .stdout,
    );
    const waiting = JSON.parse(
      (await fleet.run(['flow', 'run', flowFile, '--project', project, '--json'])).stdout,
    ) as { id: string };
    const seen = await waitFor(
      async () => {
        const status = await fleet.run(['flow', 'status', waiting.id, '--json']);
        return (
          (JSON.parse(status.stdout) as { status: string }).status === 'awaiting_approval' && status.stdout
        );
      },
      { message: 'the run waits at its gate' },
    );
    keep('flow', seen);
    keep('status', (await fleet.run(['status', '--json'])).stdout);
    // A dry run over all of it: the finished run and tasks would go, the waiting run is held.
    keep('prune', (await fleet.run(['prune', '--dry-run', '--older-than', '0s', '--json'])).stdout);
    expect(outputs.get('status')?.at(-1)).toMatchObject({ workflows: [{ id: waiting.id, waiting: ['ok'] }] });
    await fleet.run(['flow', 'cancel', waiting.id]);
    await mkdir(join(project, 'test'), { recursive: true });
    await writeFile(
      join(project, 'test', 'a.test.js'),
      "import test from 'node:test';\ntest('a', () => {});\n",
    );
    const run = await fleet.run(['run', '--project', project, '--cmd', 'node --test', '--json', '--quiet']);
    keep('run', run.stdout);
    for (const args of [
      ['result', 't-nope'],
      ['send', 'nobody', '--', 'x'],
      ['schema', 'bogus'],
    ])
      keep('error', (await fleet.run([...args, '--json'])).stdout);
  });

  afterAll(async () => {
    await fleet.run(['stop', '--kill-workers']);
    await fleet.cleanup();
  });

  it('every output matches its declared schema, strictly', () => {
    for (const [name, schema] of Object.entries(OUTPUT_SCHEMAS) as [
      OutputName,
      (typeof OUTPUT_SCHEMAS)[OutputName],
    ][]) {
      const seen = outputs.get(name) ?? [];
      expect(seen.length, name).toBeGreaterThan(0);
      for (const body of seen) {
        const parsed = schema.safeParse(body);
        expect(parsed.success, `${name}: ${parsed.error?.message ?? ''}`).toBe(true);
      }
    }
  });

  it('tmuxorch schema NAME prints a JSON Schema that a validator accepts the outputs with', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const name of Object.keys(OUTPUT_SCHEMAS) as OutputName[]) {
      const printed = await fleet.run(['schema', name]);
      expect(printed.exitCode).toBe(0);
      const validate = ajv.compile(JSON.parse(printed.stdout) as object);
      for (const body of outputs.get(name) ?? []) {
        expect(validate(body), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
      // A field the contract does not declare is refused (the contract is not a loose "object").
      const first = (outputs.get(name) ?? [])[0] as Record<string, unknown>;
      expect(validate({ ...first, undeclared: 1 }), name).toBe(false);
    }
  });

  it('schema of an unknown output is a usage error', async () => {
    const run = await fleet.run(['schema', 'bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/result, status, run, flow, error, budget, prune/);
  });
});
