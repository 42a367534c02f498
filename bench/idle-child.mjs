// A reference controller run as its own process, so its CPU and RSS can be read like the daemon's.
//   node bench/idle-child.mjs baseline <socket> <paneIdsCsv> <seconds>
//     capture-pane -p -J of every pane (a tmux process each, one after the other) every 500 ms:
//     how a polling controller watches its workers.
//   node bench/idle-child.mjs limit <socket> <session> <seconds>
//     a raw control client attached to the session (output on) + one list-panes -a every 2 s
//     (tmuxorch's default health interval); format string in BENCH_PANE_FORMAT.
// Prints "ready" once set up; exits by itself after <seconds> (bounded) or on SIGTERM.
import { execFile as execFileCb } from 'node:child_process';
import { promisify } from 'node:util';
import { cq, RawControl } from './limit.mjs';
import { monoMs, sleep } from './stats.mjs';

const execFile = promisify(execFileCb);
const [mode, socket, target, secondsText] = process.argv.slice(2);
const deadline = monoMs() + Number(secondsText) * 1000;
const env = { ...process.env };
delete env.TMUX;
const tmuxArgs = (args) => ['-L', socket, '-f', '/dev/null', ...args];
let raw = null;
process.on('SIGTERM', () => void Promise.resolve(raw?.close()).finally(() => process.exit(0)));

if (mode === 'baseline') {
  const panes = target.split(',');
  console.log('ready');
  let next = monoMs();
  while (monoMs() < deadline) {
    for (const pane of panes)
      await execFile('tmux', tmuxArgs(['capture-pane', '-p', '-J', '-t', pane]), { env });
    next += 500;
    await sleep(Math.max(0, next - monoMs()));
    if (next < monoMs()) next = monoMs();
  }
} else if (mode === 'limit') {
  const cleanups = [];
  raw = await RawControl.attach({ tmuxArgs, env, onCleanup: (fn) => cleanups.push(fn) }, target);
  const line = `list-panes -a -F ${cq(process.env.BENCH_PANE_FORMAT ?? '#{pane_id}')}`;
  console.log('ready');
  while (monoMs() < deadline) {
    await raw.must(line);
    await sleep(2_000);
  }
  await raw.close();
} else {
  console.error(`unknown mode ${mode}`);
  process.exitCode = 2;
}
