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
        else if (line.startsWith('$(', j)) {
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

function read(line: string, commands: string[], writes: string[], depth: number): void {
  if (depth > 4) throw new Unreadable('nested too deep');
  let words: string[] = [];
  const end = (): void => {
    while (words.length > 0 && ASSIGNMENT.test(words[0] as string)) words.shift();
    if (words[0] === 'env') {
      words.shift();
      while (words.length > 0 && ASSIGNMENT.test(words[0] as string)) words.shift();
    }
    // `export A=1 B=2` sets variables and runs nothing, as a bare `A=1` does.
    if (
      DECLARATIONS.has(words[0] as string) &&
      words.slice(1).every((w) => ASSIGNMENT.test(w) || w.startsWith('-'))
    )
      words = [];
    if (words.length === 0) return;
    // `sh -c 'a; b'` runs its string as a command line of its own.
    const dashC = words.indexOf('-c');
    if (SHELLS.has(words[0] as string) && dashC > 0 && words[dashC + 1] !== undefined) {
      read(words[dashC + 1] as string, commands, writes, depth + 1);
    } else if (words[0] === 'eval') {
      read(words.slice(1).join(' '), commands, writes, depth + 1);
    } else commands.push(words.join(' '));
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
        // `>&2`: a descriptor copied, nothing written.
        if (target?.kind === 'op' && target.text === '&') {
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
  return { commands, writes };
}
