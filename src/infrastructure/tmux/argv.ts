// Argument encoding for tmux. tmux re-parses its arguments, so text must be escaped for each route.

// argv route: tmux takes a word ending in `;` as a command separator even through execve,
// so a trailing `;` is sent as `\;` (tmux turns it back into a literal `;`).
export function escapeArgvWord(word: string): string {
  return word.endsWith(';') ? `${word.slice(0, -1)}\\;` : word;
}

// Control-mode route: the line is parsed like tmux.conf (`$VAR` and `~` expand, `#` comments,
// `;` separates, `{}` blocks). Single quotes stop all of that; `'` itself becomes `'\''`.
export function quoteControlWord(word: string): string {
  if (word.includes('\n') || word.includes('\r')) {
    throw new RangeError(
      'a control-mode command cannot carry a newline; send multi-line text as separate lines',
    );
  }
  return `'${word.replaceAll("'", "'\\''")}'`;
}

// One control-mode command line from argv.
export function toControlLine(args: readonly string[]): string {
  return args.map(quoteControlWord).join(' ');
}

// POSIX sh quoting, for commands tmux hands to `sh -c` (pipe-pane, new-window shell commands).
export function quoteShellWord(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

export function toShellCommand(argv: readonly string[]): string {
  return argv.map(quoteShellWord).join(' ');
}
