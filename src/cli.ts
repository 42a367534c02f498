#!/usr/bin/env node
// The `tmuxorch` binary.
import { fileURLToPath } from 'node:url';
import { main } from './controller/cli/main.js';

// `tmuxorch status --json | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const cliPath = fileURLToPath(import.meta.url);
const code = await main(process.argv.slice(2), cliPath);
process.exitCode = code;
// Long-lived handles (a daemon's socket) end on their own; a one-shot command must not linger.
if (process.argv[2] !== 'daemon' && !(process.argv[2] === 'start' && process.argv.includes('--foreground'))) {
  setTimeout(() => process.exit(code), 50).unref();
}
