#!/usr/bin/env node
// The `tmuxorch` binary.
import { fileURLToPath } from 'node:url';
import { main } from './controller/cli/main.js';

// `tmuxorch status --json | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Everything tmuxorch writes is its user's alone, whatever the umask it was started with (0700
// directories, 0600 files; the daemon and a tmux server it starts inherit this). The worker
// shells put the user's own umask back (TMUXORCH_USER_UMASK, read by the worker rc), so files a
// task creates in a project get the modes the user expects.
const userUmask = process.umask(0o077);
process.env.TMUXORCH_USER_UMASK ??= userUmask.toString(8).padStart(4, '0');

const cliPath = fileURLToPath(import.meta.url);
const code = await main(process.argv.slice(2), cliPath);
process.exitCode = code;
// A one-shot command must not linger on a handle it left open, but must not cut its output either:
// a pipe to a slow reader may still hold most of a large `--json` answer. So it exits only once
// everything written to stdout and stderr has been handed to the reader (a write's callback runs
// after every earlier write is flushed), however long the reader takes.
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}
if (process.argv[2] !== 'daemon' && !(process.argv[2] === 'start' && process.argv.includes('--foreground'))) {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  setTimeout(() => process.exit(code), 50).unref();
}
