// The sim agent's task language, parse side. A task is one directive per line:
//
//   write FILE: TEXT     create or overwrite FILE (relative to the project) with TEXT and a newline
//   append FILE: TEXT    append TEXT and a newline to FILE
//   ask: QUESTION        ask for approval before going on (denied: the turn ends there)
//   run: COMMAND         run a shell command in the project (the Bash tool), its output in the reply
//   sleep MS             wait MS milliseconds (at most 10 minutes)
//   fail: REASON         end the turn with an error
//   limit: N[s|m]        end the turn as if a usage limit was hit, resetting in N minutes (or seconds)
//   anything else        answered with a short deterministic reply
//
// `\n` inside TEXT stands for a newline. Blank lines are ignored.

export type Directive =
  | { readonly kind: 'write' | 'append'; readonly file: string; readonly text: string }
  | { readonly kind: 'ask'; readonly question: string }
  | { readonly kind: 'run'; readonly command: string }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'fail'; readonly reason: string }
  | { readonly kind: 'limit'; readonly seconds: number }
  | { readonly kind: 'say'; readonly text: string };

const MAX_SLEEP_MS = 10 * 60_000;

function unescape(text: string): string {
  return text.replace(/\\n/g, '\n');
}

export function parseDirective(line: string): Directive {
  const trimmed = line.trim();
  const file = /^(write|append)\s+([^:]+?)\s*:\s?(.*)$/i.exec(trimmed);
  if (file) {
    const kind = file[1]?.toLowerCase() === 'append' ? 'append' : 'write';
    return { kind, file: file[2] ?? '', text: unescape(file[3] ?? '') };
  }
  const run = /^run\s*:\s*(.+)$/i.exec(trimmed);
  if (run) return { kind: 'run', command: run[1] ?? '' };
  const ask = /^ask\s*:\s*(.*)$/i.exec(trimmed);
  if (ask) return { kind: 'ask', question: ask[1] ?? '' };
  const sleep = /^sleep\s+(\d{1,9})\s*(?:ms)?$/i.exec(trimmed);
  if (sleep) return { kind: 'sleep', ms: Math.min(Number(sleep[1]), MAX_SLEEP_MS) };
  const fail = /^fail\s*:\s*(.*)$/i.exec(trimmed);
  if (fail) return { kind: 'fail', reason: fail[1] || 'failed' };
  const limit = /^limit\s*:\s*(\d{1,5})\s*(s|sec|seconds?|m|min|minutes?)?$/i.exec(trimmed);
  if (limit) {
    const inSeconds = /^s/i.test(limit[2] ?? '');
    return { kind: 'limit', seconds: Number(limit[1]) * (inSeconds ? 1 : 60) };
  }
  return { kind: 'say', text: trimmed };
}

export function parseTask(text: string): Directive[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map(parseDirective);
}

// A path inside the project, or null for one that would leave it (absolute, `..`).
export function projectRelative(file: string): string | null {
  const parts = file.split('/').filter((p) => p !== '' && p !== '.');
  if (file.startsWith('/') || parts.length === 0 || parts.includes('..')) return null;
  return parts.join('/');
}

// The deterministic answer to plain text: the same text always gets the same reply.
export function replyTo(text: string): string {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `sim read "${short}" (${text.length} chars, #${hash.toString(16).padStart(8, '0')})`;
}
