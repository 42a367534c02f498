// The run's private world: one tmux socket (-L tmuxorch-bench-<random>, -f /dev/null), one temp
// directory (homes, projects, stamp files), an environment without TMUX, a cleanup list that runs
// once (normal end, error, Ctrl-C), machine facts, and /proc readers for CPU and RSS.
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as settingsModule from '../dist/infrastructure/config/settings.js';
import { within } from './stats.mjs';

export const execFile = promisify(execFileCb);

const CLEANUP_STEP_MS = 20_000;

export async function createContext() {
  const socket = `tmuxorch-bench-${randomBytes(6).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'tmuxorch-bench-'));
  await mkdir(join(dir, 'stamps'), { recursive: true });
  await mkdir(join(dir, 'project'), { recursive: true });
  const env = {
    ...process.env,
    PS1: '$ ',
    HISTFILE: '/dev/null',
    TMUXORCH_TMUX_CONF: '/dev/null',
    NO_COLOR: '1',
  };
  delete env.TMUX;
  delete env.TMUX_PANE;
  // startDaemon hands process.env to the daemon: it must see the same private settings.
  Object.assign(process.env, { PS1: '$ ', HISTFILE: '/dev/null', TMUXORCH_TMUX_CONF: '/dev/null' });
  delete process.env.TMUX;
  delete process.env.TMUX_PANE;
  const cleanups = [];
  let cleaning = null;
  const ctx = {
    socket,
    dir,
    env,
    stampDir: join(dir, 'stamps'),
    projectDir: join(dir, 'project'),
    tmuxArgs: (args) => ['-L', socket, '-f', '/dev/null', ...args],
    // One tmux process per command: stdout lines (throws on failure).
    async tmux(...args) {
      const { stdout } = await execFile('tmux', ctx.tmuxArgs(args), { env, timeout: 10_000 });
      return stdout.replace(/\n$/, '').split('\n');
    },
    // Registers an undo step; steps run newest first.
    onCleanup(fn) {
      cleanups.push(fn);
    },
    cleanup() {
      cleaning ??= (async () => {
        for (const fn of cleanups.reverse()) {
          await within(Promise.resolve().then(fn), CLEANUP_STEP_MS, 'cleanup step').catch((error) =>
            console.error(`cleanup: ${error.message}`),
          );
        }
      })();
      return cleaning;
    },
  };
  ctx.onCleanup(() => rm(dir, { recursive: true, force: true }));
  ctx.onCleanup(async () => {
    await execFile('tmux', ['-L', socket, 'kill-server'], { env }).catch(() => undefined);
    const uid = process.getuid?.() ?? 0;
    await rm(join(process.env.TMUX_TMPDIR ?? tmpdir(), `tmux-${uid}`, socket), { force: true });
  });
  return ctx;
}

// Settings of a home, config.json included, whichever API the build has: loadSettings (async,
// reads config.json) or an older resolveSettings that read it itself (sync or async).
export async function loadBenchSettings(overrides, env) {
  const { loadSettings, resolveSettings } = settingsModule;
  return typeof loadSettings === 'function' ? loadSettings(overrides, env) : resolveSettings(overrides, env);
}

// nproc, CPU model, memory, tmux -V, node version.
export function machineInfo() {
  const tmuxVersion = execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim();
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model?.trim() ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    tmux: tmuxVersion,
    node: process.version,
  };
}

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// utime, stime, cutime, cstime (ticks) and ppid of a process, or null when it is gone.
async function readStat(pid) {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14..17.
    return {
      ppid: Number(f[1]),
      self: Number(f[11]) + Number(f[12]),
      children: Number(f[13]) + Number(f[14]),
    };
  } catch {
    return null;
  }
}

// CPU ticks used so far by one process itself (no children).
export async function selfTicks(pid) {
  return (await readStat(pid))?.self ?? null;
}

// Live direct children of a process.
export async function childrenOf(pid) {
  const out = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readStat(Number(name));
    if (stat?.ppid === pid) out.push(Number(name));
  }
  return out;
}

// CPU ticks used so far by a process, its reaped children, and its live direct children.
export async function treeTicks(pid) {
  const root = await readStat(pid);
  if (!root) return null;
  let ticks = root.self + root.children;
  for (const child of await childrenOf(pid)) ticks += (await readStat(child))?.self ?? 0;
  return ticks;
}

// VmRSS in MB of a process (0 when it is gone).
export async function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

// A fleet the bench opened, closed (its session killed) once: by the figure, or by the clean-up.
export function closable(ctx, fleet) {
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    await fleet.shutdown({ killWorkers: true });
  };
  ctx.onCleanup(close);
  return { fleet, close };
}
