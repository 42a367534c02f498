// One turn of the sim agent: runs a task's directives against the project directory and says what
// it did. The caller decides how approval is asked (a TUI question, or a flag in one-shot mode).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { parseTask, projectRelative, replyTo, type Directive } from './directives.js';

export interface TurnOptions {
  readonly project: string;
  // Resolves true to go on, false to stop the turn.
  readonly approve: (question: string) => Promise<boolean>;
  // Asked before each tool call (a write: `Write`, a command: `Bash`), as Claude Code's PreToolUse
  // hooks are: resolves with why it may not run, or null to go on.
  readonly checkTool?: (tool: string, input: Record<string, unknown>) => Promise<string | null>;
  // Aborts a sleeping turn (Esc / Ctrl-C in the TUI).
  readonly signal?: AbortSignal;
  readonly onProgress?: (what: string) => void;
  // A workflow step's run directory (TMUXORCH_RUN_DIR): absolute paths inside it may be written
  // too, as a step's outputs and result.json go there, outside the project.
  readonly runDir?: string | undefined;
}

export type TurnErrorKind = 'failed' | 'denied' | 'rate_limited' | 'interrupted' | 'auth';

export interface TurnResult {
  readonly reply: string;
  readonly isError: boolean;
  readonly errorKind: TurnErrorKind | null;
  readonly filesChanged: readonly string[];
  // A unified diff of every file the turn changed.
  readonly diff: string;
  // When a usage limit resets (limit: directive), else null.
  readonly resetsAt: Date | null;
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

// A file in the step's run directory: private, as tmuxorch's own files are.
function writeOutside(path: string, text: string, kind: 'write' | 'append'): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${text}\n`, { flag: kind === 'write' ? 'w' : 'a', mode: 0o600 });
}

function lines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

// One hunk for the whole file: enough to review what a turn wrote.
export function unifiedDiff(file: string, before: string | null, after: string): string {
  const old = before === null ? [] : lines(before);
  const now = lines(after);
  const header = `--- ${before === null ? '/dev/null' : `a/${file}`}\n+++ b/${file}\n`;
  const range = (start: number, count: number): string => `${count === 0 ? 0 : start},${count}`;
  return (
    `${header}@@ -${range(1, old.length)} +${range(1, now.length)} @@\n` +
    old.map((l) => `-${l}\n`).join('') +
    now.map((l) => `+${l}\n`).join('')
  );
}

function readIfFile(path: string): string | null {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  } catch {
    return null;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function runTurn(task: string, options: TurnOptions): Promise<TurnResult> {
  const said: string[] = [];
  const changed: string[] = [];
  const originals = new Map<string, string | null>();
  const finish = (
    errorKind: TurnErrorKind | null,
    last?: string,
    resetsAt: Date | null = null,
  ): TurnResult => {
    if (last) said.push(last);
    const diff = changed
      .map((file) =>
        unifiedDiff(file, originals.get(file) ?? null, readFileSync(join(options.project, file), 'utf8')),
      )
      .join('');
    return {
      reply: said.join('\n') || 'sim: nothing to do',
      isError: errorKind !== null,
      errorKind,
      filesChanged: [...changed],
      diff,
      resetsAt,
    };
  };
  const directives: Directive[] = parseTask(task);
  for (const directive of directives) {
    if (options.signal?.aborted) return finish('interrupted', 'interrupted');
    switch (directive.kind) {
      case 'write':
      case 'append': {
        const target = isAbsolute(directive.file) ? directive.file : join(options.project, directive.file);
        const refused = await options.checkTool?.('Write', { file_path: target, content: directive.text });
        if (refused) return finish('denied', `refused by a hook: ${refused}`);
        const runDir = options.runDir ?? process.env.TMUXORCH_RUN_DIR;
        if (runDir && isAbsolute(directive.file) && inside(runDir, directive.file)) {
          try {
            writeOutside(directive.file, directive.text, directive.kind);
          } catch (error) {
            return finish(
              'failed',
              `cannot ${directive.kind} ${directive.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
            );
          }
          said.push(`${directive.kind === 'write' ? 'wrote' : 'appended to'} ${directive.file}`);
          break;
        }
        const file = projectRelative(directive.file);
        if (!file) return finish('failed', `refused: ${directive.file} is outside the project`);
        const path = join(options.project, file);
        options.onProgress?.(`${directive.kind === 'write' ? 'Writing' : 'Appending to'} ${file}`);
        if (!originals.has(file)) originals.set(file, readIfFile(path));
        const text = `${directive.text}\n`;
        try {
          // The project's own directories: the user's umask decides, as for any program they run.
          mkdirSync(dirname(path), { recursive: true, mode: 0o777 });
          if (directive.kind === 'write') writeFileSync(path, text);
          else writeFileSync(path, text, { flag: 'a' });
        } catch (error) {
          // A refused write ends the turn like any failure, with a result (never a crash).
          return finish(
            'failed',
            `cannot ${directive.kind} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
          );
        }
        if (!changed.includes(file)) changed.push(file);
        said.push(`${directive.kind === 'write' ? 'wrote' : 'appended to'} ${file}`);
        break;
      }
      case 'run': {
        const refused = await options.checkTool?.('Bash', { command: directive.command });
        if (refused) return finish('denied', `refused by a hook: ${refused}`);
        options.onProgress?.(`Running ${directive.command}`);
        const ran = spawnSync('sh', ['-c', directive.command], {
          cwd: options.project,
          encoding: 'utf8',
          timeout: 600_000,
        });
        const output = `${ran.stdout ?? ''}${ran.stderr ?? ''}`.trim();
        said.push(`ran ${directive.command} (exit ${ran.status ?? 'killed'})${output ? `: ${output}` : ''}`);
        break;
      }
      case 'ask': {
        options.onProgress?.('Waiting for approval');
        if (!(await options.approve(directive.question)))
          return finish('denied', `not approved: ${directive.question}`);
        said.push(`approved: ${directive.question}`);
        break;
      }
      case 'sleep':
        options.onProgress?.(`Sleeping ${directive.ms} ms`);
        if (!(await sleep(directive.ms, options.signal))) return finish('interrupted', 'interrupted');
        said.push(`slept ${directive.ms} ms`);
        break;
      case 'fail':
        return finish('failed', `error: ${directive.reason}`);
      case 'limit': {
        const resetsAt = new Date(Date.now() + directive.seconds * 1000);
        return finish('rate_limited', `usage limit reached · resets at ${resetsAt.toISOString()}`, resetsAt);
      }
      case 'say':
        said.push(replyTo(directive.text));
        break;
    }
  }
  return finish(null);
}
