// The CLI: commander parses flags; each command calls the daemon and prints. One catch here turns
// every error into one sentence and an exit code (USAGE → 2, others → 1); `--json` prints
// {"error":{code,message,details}}; a stack only with --debug.
import { Command, CommanderError } from 'commander';
import { UsageError, toErrorPayload, type ErrorPayload } from '../../domain/errors.js';
import { VERSION } from '../version.js';
import { registerBudget } from './commands/budget.js';
import { registerConfig } from './commands/config.js';
import { registerDoctor } from './commands/doctor.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerMcp } from './commands/mcp.js';
import { registerSchema } from './commands/schema.js';
import { registerFlow } from './commands/flow.js';
import { registerPolicy } from './commands/policy.js';
import { registerPrune } from './commands/prune.js';
import { registerQueue } from './commands/queue.js';
import { registerRecover } from './commands/recover.js';
import { registerRun } from './commands/run.js';
import { registerStatus } from './commands/status.js';
import { registerTasks } from './commands/tasks.js';
import { registerToken } from './commands/token.js';
import { registerWorkers } from './commands/workers.js';
import { CliContext } from './context.js';
import { EXIT_USAGE, ExitRequest, exitCodeFor } from './exit-codes.js';

export function buildProgram(cliPath: string): { program: Command; ctx: CliContext } {
  const program = new Command('tmuxorch')
    .description('a tmux-backed fleet controller for AI coding-agent CLIs and shell workers')
    .version(VERSION)
    .option('--home <dir>', 'where state/ and logs/ live (env TMUXORCH_HOME, default ~/.tmuxorch)')
    .option(
      '--socket <name>',
      'tmux socket name, as tmux -L (env TMUXORCH_SOCKET, default: your tmux server)',
    )
    .option('--session <name>', 'tmux session name (env TMUXORCH_SESSION, default agent-system)')
    .option('--json', 'machine-readable output')
    .option('--debug', 'show stack traces of internal errors')
    // Every command's --help lists --json, --home and the rest too (commands inherit this).
    .configureHelp({ showGlobalOptions: true });
  const ctx = new CliContext(program);
  program.hook('preAction', () => ctx.load());
  registerLifecycle(program, ctx, cliPath);
  registerWorkers(program, ctx);
  registerTasks(program, ctx);
  registerRun(program, ctx);
  registerStatus(program, ctx);
  registerConfig(program, ctx);
  registerDoctor(program, ctx);
  registerRecover(program, ctx);
  registerSchema(program);
  registerFlow(program, ctx);
  registerPolicy(program, ctx);
  registerQueue(program, ctx);
  registerBudget(program, ctx);
  registerPrune(program, ctx);
  registerToken(program, ctx);
  registerMcp(program, ctx);
  forEachCommand(program, (command) => {
    command.exitOverride((error) => {
      throw asUsageError(error, command);
    });
    // Commander prints its errors itself, over two lines; ours are printed by main() instead.
    command.configureOutput({
      writeErr: (text) => process.stderr.write(text),
      outputError: () => undefined,
    });
  });
  return { program, ctx };
}

function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}

// `tmuxorch config set`, for the --help hint.
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

// Commander's own usage errors ("error: unknown option '--x'\n(Did you mean --y?)") as one of
// ours: one sentence, the hint to the command's --help. Help and --version pass through.
function asUsageError(error: CommanderError, command: Command): Error {
  if (error.exitCode === 0 || PASS_THROUGH.has(error.code)) return error;
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = rest
    .join(' ')
    .trim()
    .replace(/^\((.*)\)$/, '$1');
  const sentence = suggestion ? `${first} (${suggestion.replace(/^Did/, 'did')})` : first;
  return new UsageError(`${sentence}: see ${commandPath(command)} --help`, { commander: error.code });
}

// Help shown (asked for, or for a command given without its subcommand) and --version.
const PASS_THROUGH: ReadonlySet<string> = new Set([
  'commander.helpDisplayed',
  'commander.help',
  'commander.version',
]);

function report(payload: ErrorPayload, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: payload })}\n`);
  else process.stderr.write(`tmuxorch: ${payload.message}\n`);
}

// Runs the CLI and resolves with the exit code.
export async function main(argv: readonly string[], cliPath: string): Promise<number> {
  const { program, ctx } = buildProgram(cliPath);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitRequest) return error.exitCode;
    if (error instanceof CommanderError) {
      if (
        error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
      )
        return 0;
      // Help printed because a command needs its subcommand (`tmuxorch config`).
      return EXIT_USAGE;
    }
    const payload = toErrorPayload(error);
    report(payload, json);
    if (payload.code === 'INTERNAL' && (argv.includes('--debug') || ctx.options.debug)) {
      process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    }
    return exitCodeFor(payload.code);
  }
}
