// `tmuxorch schema result|status|run|flow|error|budget|prune`: the JSON Schema of a machine output, for scripts and
// CI to check what they parse (application/contract/output-contract.ts declares them).
import type { Command } from 'commander';
import { UsageError } from '../../../domain/errors.js';
import {
  OUTPUT_SCHEMAS,
  outputJsonSchema,
  type OutputName,
} from '../../../application/contract/output-contract.js';

const NAMES = Object.keys(OUTPUT_SCHEMAS) as OutputName[];

function isOutputName(name: string): name is OutputName {
  return (NAMES as string[]).includes(name);
}

export function registerSchema(program: Command): void {
  program
    .command('schema <output>')
    .description(
      `print the JSON Schema of a --json output: ${NAMES.join(', ')}; or of a queue job's payload: job`,
    )
    .action(async (output: string) => {
      if (output === 'job') {
        const { jobPayloadJsonSchema } = await import('../../../domain/queue/job.js');
        process.stdout.write(`${JSON.stringify(jobPayloadJsonSchema(), null, 2)}\n`);
        return;
      }
      if (!isOutputName(output))
        throw new UsageError(`there is no schema named ${output}: use one of ${NAMES.join(', ')}`, {
          output,
        });
      // Always JSON, with or without --json: a schema has no human form.
      process.stdout.write(`${JSON.stringify(outputJsonSchema(output), null, 2)}\n`);
    });
}
