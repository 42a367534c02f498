#!/usr/bin/env node
// The `tmuxorch` binary.
import { fileURLToPath } from 'node:url';
import { main } from './controller/cli/main.js';

const cliPath = fileURLToPath(import.meta.url);
const code = await main(process.argv.slice(2), cliPath);
process.exitCode = code;
// Long-lived handles (a daemon's socket) end on their own; a one-shot command must not linger.
if (process.argv[2] !== 'daemon' && !(process.argv[2] === 'start' && process.argv.includes('--foreground'))) {
  setTimeout(() => process.exit(code), 50).unref();
}
