// `tmuxorch-sim -p TASK`: one turn, printed as text or as one JSON result line shaped like
// `claude -p --output-format json` (is_error, result, session_id, total_cost_usd …) plus the
// files the turn changed and their diff.
import { toolChecker, type Hooks } from './hooks.js';
import { SessionStore, type SimSession } from './session-store.js';
import { runTurn, type TurnResult } from './turn.js';

export interface OneShotOptions {
  readonly prompt: string;
  readonly outputFormat: 'text' | 'json';
  readonly sessionId?: string;
  readonly resume?: string;
  // Approves every `ask:` (a one-shot run has nobody to ask).
  readonly yes: boolean;
  readonly hooks: Hooks;
  // Runs no PreToolUse hook (Claude Code's flag of the same name).
  readonly skipPermissions: boolean;
  readonly model: string;
  readonly project: string;
  readonly loggedIn: boolean;
}

export const NOT_LOGGED_IN = 'Not logged in · Please run tmuxorch-sim login';

// A deterministic price: a millionth of a dollar per character in and out.
export function costOf(prompt: string, reply: string): number {
  return Math.round((prompt.length + reply.length) * 1e-6 * 1e6) / 1e6;
}

function openSession(store: SessionStore, options: OneShotOptions): SimSession {
  if (options.resume) return store.load(options.resume);
  return store.create(options.project, options.sessionId);
}

export async function runOneShot(options: OneShotOptions): Promise<number> {
  const started = Date.now();
  const store = new SessionStore();
  const session = openSession(store, options);
  let turn: TurnResult;
  if (!options.loggedIn) {
    turn = {
      reply: NOT_LOGGED_IN,
      isError: true,
      errorKind: 'auth',
      filesChanged: [],
      diff: '',
      resetsAt: null,
    };
  } else {
    await options.hooks.fire('UserPromptSubmit', {
      session_id: session.id,
      cwd: options.project,
      prompt: options.prompt,
    });
    const approve = (question: string): Promise<boolean> =>
      Promise.resolve(options.yes || (process.stderr.write(`denied (no --yes): ${question}\n`), false));
    turn = await runTurn(options.prompt, {
      project: options.project,
      approve,
      checkTool: toolChecker(
        options.hooks,
        { sessionId: session.id, cwd: options.project, skip: options.skipPermissions },
        approve,
      ),
    });
  }
  session.turns.push({ prompt: options.prompt, reply: turn.reply, isError: turn.isError });
  store.save(session);
  await options.hooks.fire('Stop', {
    session_id: session.id,
    cwd: options.project,
    last_assistant_message: turn.reply,
  });
  if (options.outputFormat === 'json') {
    const result = {
      type: 'result',
      subtype: turn.isError ? 'error' : 'success',
      is_error: turn.isError,
      error_kind: turn.errorKind,
      result: turn.reply,
      session_id: session.id,
      num_turns: session.turns.length,
      duration_ms: Date.now() - started,
      total_cost_usd: turn.isError && !options.loggedIn ? 0 : costOf(options.prompt, turn.reply),
      files_changed: turn.filesChanged,
      diff: turn.diff,
      resets_at: turn.resetsAt?.toISOString() ?? null,
      model: options.model,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`${turn.reply}\n`);
  }
  return turn.isError ? 1 : 0;
}
