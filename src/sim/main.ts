#!/usr/bin/env node
// `tmuxorch-sim`: a small, deterministic agent CLI bundled with tmuxorch (no network, no keys).
// It is the embedded default agent of the demo and the tests. Task language: directives.ts.
//
//   tmuxorch-sim [--session-id ID | --resume ID] [--settings FILE]      interactive
//   tmuxorch-sim -p TASK [--output-format text|json] [--yes] [...]       one turn, then exit
//   tmuxorch-sim auth status                                             {"loggedIn":…}, exit 0/1
//
// Environment: TMUXORCH_SIM_HOME (sessions), TMUXORCH_SIM_LOGGED_OUT=1 (act logged out),
// TMUXORCH_SIM_TRUST=ask (ask to trust the folder first), TMUXORCH_SIM_DROP_ENTER=N (ignore the
// first N Enter presses).
import { parseArgs } from 'node:util';
import { Hooks } from './hooks.js';
import { runOneShot } from './one-shot.js';
import { SimUsageError } from './session-store.js';
import { SimTui } from './tui.js';

export const SIM_VERSION = '1.0.0';

const USAGE = `usage: tmuxorch-sim [-p TASK [--output-format text|json] [--yes]] [--session-id ID | --resume ID] [--settings FILE] [--dangerously-skip-permissions]
       tmuxorch-sim auth status
Task language, one directive per line:
  write FILE: TEXT    append FILE: TEXT    ask: QUESTION    sleep MS    fail: REASON    limit: N[s|m]
  anything else gets a short deterministic reply.
`;

async function main(argv: string[]): Promise<number> {
  const loggedIn = process.env.TMUXORCH_SIM_LOGGED_OUT !== '1';
  if (argv[0] === 'auth' && argv[1] === 'status') {
    process.stdout.write(`${JSON.stringify({ loggedIn, authMethod: loggedIn ? 'sim' : 'none' })}\n`);
    return loggedIn ? 0 : 1;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      print: { type: 'string', short: 'p' },
      'output-format': { type: 'string', default: 'text' },
      yes: { type: 'boolean', default: false },
      'session-id': { type: 'string' },
      resume: { type: 'string', short: 'r' },
      settings: { type: 'string' },
      // Taken as a real CLI takes it, and reported in the JSON result (the sim has one model).
      model: { type: 'string' },
      'dangerously-skip-permissions': { type: 'boolean', default: false },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${SIM_VERSION} (tmuxorch-sim)\n`);
    return 0;
  }
  const format = values['output-format'];
  if (format !== 'text' && format !== 'json') throw new SimUsageError(`unknown --output-format ${format}`);
  if (values['session-id'] && values.resume)
    throw new SimUsageError('--session-id and --resume exclude each other');
  const hooks = values.settings ? Hooks.fromSettingsFile(values.settings) : Hooks.none();
  const common = {
    project: process.cwd(),
    hooks,
    loggedIn,
    skipPermissions: values['dangerously-skip-permissions'],
    model: values.model ?? 'sim',
    ...(values['session-id'] ? { sessionId: values['session-id'] } : {}),
    ...(values.resume ? { resume: values.resume } : {}),
  };
  if (values.print !== undefined) {
    return runOneShot({ ...common, prompt: values.print, outputFormat: format, yes: values.yes });
  }
  if (!process.stdin.isTTY) throw new SimUsageError('interactive mode needs a terminal; use -p TASK');
  new SimTui({
    ...common,
    askTrust: process.env.TMUXORCH_SIM_TRUST === 'ask',
    dropEnters: Number(process.env.TMUXORCH_SIM_DROP_ENTER ?? 0) || 0,
  }).start();
  return -1; // keeps running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof SimUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`tmuxorch-sim: ${(error as Error).message}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
