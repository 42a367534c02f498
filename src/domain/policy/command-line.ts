// A shell command line read as the simple commands it runs and the files it writes by
// redirection, so each part is checked on its own: `npm test && git push` is two commands, and
// the strictest decides; `echo x > a.txt` is an edit of a.txt. Not a shell: quotes, escapes,
// separators, subshells, `$(…)`, backticks and `sh -c '…'` are followed; anything it cannot read
// (an unclosed quote, a here-document) makes the whole line unreadable, which is asked about.

export interface CommandLine {
  // Each simple command, its words unquoted and joined by one space, env assignments dropped.
  readonly commands: readonly string[];
  // Files written by `>`, `>>`, `&>`, `2>` (devices such as /dev/null left out).
  readonly writes: readonly string[];
}

const SEPARATORS = new Set([';', '&&', '||', '|', '&', '\n', '(', ')', '|&']);
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const DECLARATIONS = new Set(['export', 'declare', 'typeset', 'readonly', 'local']);

type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string } | { kind: 'sub'; text: string };

class Unreadable extends Error {}

// Reads `$(`…`)` from `start` (just past the `$(`) to its matching `)`, quotes respected.
function subshellEnd(line: string, start: number): number {
  let depth = 1;
  for (let i = start; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') i++;
    else if (c === "'") i = line.indexOf("'", i + 1);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
    if (i < 0) break;
  }
  throw new Unreadable('unclosed $(');
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let word: string | null = null;
  const flush = (): void => {
    if (word !== null) tokens.push({ kind: 'word', text: word });
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    const two = line.slice(i, i + 2);
    if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i++;
    } else if (two === "$'") {
      // ANSI-C quoting has escapes of its own (`\'` does not end it): not read.
      throw new Unreadable("$'…' quoting");
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Unreadable('unclosed quote');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length) text += line[++j];
        else if (line[j] === '`') {
          const end = line.indexOf('`', j + 1);
          if (end < 0) throw new Unreadable('unclosed backtick');
          tokens.push({ kind: 'sub', text: line.slice(j + 1, end) });
          text += '$(…)';
          j = end;
        } else if (line.startsWith('$(', j)) {
          const end = subshellEnd(line, j + 2);
          tokens.push({ kind: 'sub', text: line.slice(j + 2, end) });
          text += '$(…)';
          j = end;
        } else text += line[j];
      }
      if (j >= line.length) throw new Unreadable('unclosed quote');
      word = (word ?? '') + text;
      i = j;
    } else if (two === '$(') {
      const end = subshellEnd(line, i + 2);
      tokens.push({ kind: 'sub', text: line.slice(i + 2, end) });
      word = (word ?? '') + '$(…)';
      i = end;
    } else if (c === '`') {
      const end = line.indexOf('`', i + 1);
      if (end < 0) throw new Unreadable('unclosed backtick');
      tokens.push({ kind: 'sub', text: line.slice(i + 1, end) });
      word = (word ?? '') + '$(…)';
      i = end;
    } else if (two === '<<') {
      throw new Unreadable('here-document');
    } else if (c === '#' && word === null) {
      const end = line.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === ' ' || c === '\t') {
      flush();
    } else if (['&&', '||', '|&', '>>', '&>', '>|'].includes(two)) {
      // A descriptor before `>` (`2>`) is part of the redirection, not a word.
      if (two.startsWith('>') || two === '&>') {
        if (word !== null && /^\d+$/.test(word)) word = null;
      }
      flush();
      tokens.push({ kind: 'op', text: two === '>|' ? '>' : two });
      i++;
    } else if (c === '>' || c === '<') {
      if (word !== null && /^\d+$/.test(word)) word = null;
      flush();
      tokens.push({ kind: 'op', text: c });
    } else if (SEPARATORS.has(c)) {
      flush();
      tokens.push({ kind: 'op', text: c });
    } else {
      word = (word ?? '') + c;
    }
  }
  flush();
  return tokens;
}

// Programs that run the command after them (their own options first), and group braces.
const WRAPPERS = new Set(['command', 'builtin', 'exec', 'nohup', 'nice', 'time', 'stdbuf', 'ionice', 'chrt']);
// git options before its subcommand (taking a value: `-c k=v`, `-C dir`).
const GIT_VALUE_OPTIONS = new Set(['-c', '-C', '--git-dir', '--work-tree', '--namespace', '--exec-path']);

// The command as its rules should see it: `nohup nice -n 5 git -C . -c a=b commit` is `git commit`.
function unwrapped(input: string[]): string[] {
  let words = input.filter((w) => w !== '{' && w !== '}');
  for (let guard = 0; guard < 8 && words.length > 0; guard++) {
    const head = words[0] as string;
    if (WRAPPERS.has(head)) {
      let k = 1;
      while (k < words.length && (words[k] as string).startsWith('-'))
        k += (words[k] as string) === '-n' ? 2 : 1;
      words = words.slice(k);
    } else if (head === 'timeout') {
      let k = 1;
      while (k < words.length && (words[k] as string).startsWith('-')) k++;
      words = words.slice(k + 1); // its duration
    } else if (head === 'env') {
      let k = 1;
      while (
        k < words.length &&
        ((words[k] as string).startsWith('-') || ASSIGNMENT.test(words[k] as string))
      )
        k++;
      words = words.slice(k);
    } else break;
  }
  if (words[0] === 'git') {
    const rest: string[] = [];
    let k = 1;
    for (; k < words.length; k++) {
      const w = words[k] as string;
      if (GIT_VALUE_OPTIONS.has(w)) k++;
      else if (!w.startsWith('-')) break;
    }
    rest.push(...words.slice(k));
    words = ['git', ...rest];
  }
  return words;
}

// Programs whose file arguments are files they change: checked as edits too (a protected path
// copied over, a tree removed).
const FILE_CHANGERS = new Set([
  'cp',
  'mv',
  'rm',
  'touch',
  'mkdir',
  'rmdir',
  'tee',
  'ln',
  'truncate',
  'install',
  'shred',
  'unlink',
  'chmod',
  'chown',
]);

function fileArguments(words: readonly string[]): string[] {
  const [program, ...args] = words;
  if (program === 'git' && (args[0] === 'rm' || args[0] === 'mv'))
    return args.slice(1).filter((a) => !a.startsWith('-'));
  if (!FILE_CHANGERS.has(program ?? '')) return [];
  const files = args.filter((a) => !a.startsWith('-') && a !== '');
  // chmod/chown: the first argument is a mode or an owner.
  return program === 'chmod' || program === 'chown' ? files.slice(1) : files;
}

function read(line: string, commands: string[], writes: string[], depth: number): void {
  if (depth > 4) throw new Unreadable('nested too deep');
  let words: string[] = [];
  const end = (): void => {
    while (words.length > 0 && ASSIGNMENT.test(words[0] as string)) words.shift();
    // `export A=1 B=2` sets variables and runs nothing, as a bare `A=1` does.
    if (
      DECLARATIONS.has(words[0] as string) &&
      words.slice(1).every((w) => ASSIGNMENT.test(w) || w.startsWith('-'))
    )
      words = [];
    if (words.length === 0) return;
    words = unwrapped(words);
    if (words.length === 0) return;
    // `sh -c 'a; b'` (or `-ec`) runs its string as a command line of its own.
    const dashC = words.findIndex((w, k) => k > 0 && /^-[a-z]*c[a-z]*$/.test(w));
    if (SHELLS.has(words[0] as string) && dashC > 0 && words[dashC + 1] !== undefined) {
      read(words[dashC + 1] as string, commands, writes, depth + 1);
    } else if (words[0] === 'eval') {
      read(words.slice(1).join(' '), commands, writes, depth + 1);
    } else {
      commands.push(words.join(' '));
      writes.push(...fileArguments(words));
    }
    words = [];
  };
  const tokens = tokenize(line);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'sub') read(token.text, commands, writes, depth + 1);
    else if (token.kind === 'word') words.push(token.text);
    else if (token.text === '>' || token.text === '>>' || token.text === '&>' || token.text === '<') {
      const target = tokens[i + 1];
      if (target?.kind !== 'word') {
        // `>&2`: a descriptor copied, nothing written; `>&file` writes file (as `&>` does).
        const after = tokens[i + 2];
        if (target?.kind === 'op' && target.text === '&' && after?.kind === 'word') {
          if (!/^(?:\d+|-)$/.test(after.text) && !HARMLESS_TARGETS.has(after.text)) writes.push(after.text);
          i += 2;
          continue;
        }
        throw new Unreadable('redirection without a target');
      }
      i++;
      if (token.text !== '<' && !HARMLESS_TARGETS.has(target.text)) writes.push(target.text);
    } else end();
  }
  end();
}

// The line's commands and written files, or null when it cannot be read as plain commands.
export function readCommandLine(line: string): CommandLine | null {
  const commands: string[] = [];
  const writes: string[] = [];
  try {
    read(line, commands, writes, 0);
  } catch (error) {
    if (error instanceof Unreadable) return null;
    throw error;
  }
  // After a `cd`, relative files are not where the rules would look: such a line is not read.
  const moves = commands.some((c) => /^(?:cd|pushd|popd)(?: |$)/.test(c));
  if (moves && writes.some((file) => !file.startsWith('/'))) return null;
  return { commands, writes };
}
