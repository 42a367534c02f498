// `tmuxorch doctor`: is this machine ready to run agent workers? tmux's version; for each agent
// profile, its CLI (found, version), whether it can authenticate, and a canary: its TUI started
// in a scratch pane must show a screen the profile recognises. An update of an agent CLI that
// changed its screens is reported as a stale profile for that version, instead of a fleet that
// silently reports wrong states.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyScreen } from '../domain/agents/screen-classifier.js';
import type { AgentProfile } from '../domain/agents/profile.js';
import type { ProfileRegistry } from '../domain/agents/registry.js';
import { findExecutable } from '../infrastructure/process/executable.js';
import { runCommand } from '../infrastructure/process/run-command.js';
import type { TmuxServer } from '../infrastructure/tmux/server.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  readonly subject: string;
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  // What to do about it (null when nothing is to be done).
  readonly fix: string | null;
}

export interface DoctorOptions {
  readonly profiles: ProfileRegistry;
  readonly server: TmuxServer;
  // Where the panes look programs up (the sim command dir first).
  readonly path: string;
  readonly env: NodeJS.ProcessEnv;
  readonly types?: readonly string[];
  readonly canary: boolean;
  readonly canaryTimeoutMs?: number;
}

const MIN_TMUX = [3, 2] as const;

async function tmuxCheck(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const out = await runCommand(['tmux', '-V'], { timeoutMs: 5_000, env });
  const match = /tmux (?:next-)?(\d+)\.(\d+)/.exec(out.stdout);
  if (!match) {
    return {
      subject: 'tmux',
      check: 'version',
      status: 'fail',
      detail: out.error ?? 'tmux -V gave no version',
      fix: 'install tmux 3.2 or later (apt-get install tmux)',
    };
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const old = major < MIN_TMUX[0] || (major === MIN_TMUX[0] && minor < MIN_TMUX[1]);
  return {
    subject: 'tmux',
    check: 'version',
    status: old ? 'fail' : 'ok',
    detail: out.stdout.trim(),
    fix: old ? 'tmuxorch needs tmux 3.2 or later' : null,
  };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 120) ?? '';
}

// The last non-blank line a check printed (warnings come first), on one line.
function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const last = lines.at(-1)?.trim() ?? '';
  return (last.startsWith('}') ? text.replace(/\s+/g, ' ').trim() : last).slice(0, 120);
}

function bottomOf(screen: string): string {
  return screen
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-2)
    .map((l) => l.trim())
    .join(' / ')
    .slice(0, 160);
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const env = { ...options.env, PATH: options.path };
  const checks: DoctorCheck[] = [await tmuxCheck(env)];
  const types = options.types ?? options.profiles.types().filter((t) => options.profiles.get(t)?.binary);
  for (const type of types) checks.push(...(await agentChecks(options, options.profiles.require(type), env)));
  return checks;
}

async function agentChecks(
  options: DoctorOptions,
  profile: AgentProfile,
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck[]> {
  const subject = profile.type;
  if (!profile.binary) return [];
  const found = await findExecutable(profile.binary, options.path);
  if (!found) {
    return [
      {
        subject,
        check: 'installed',
        status: 'skip',
        detail: `${profile.binary} is not on PATH`,
        fix: profile.installHint,
      },
    ];
  }
  const checks: DoctorCheck[] = [];
  const version = await runCommand([profile.binary, ...profile.versionArgs], { timeoutMs: 15_000, env });
  const versionText = firstLine(version.stdout || version.stderr) || 'unknown';
  checks.push({
    subject,
    check: 'installed',
    status: version.exitCode === 0 ? 'ok' : 'warn',
    detail: `${found} (${versionText})`,
    fix:
      version.exitCode === 0
        ? null
        : `\`${profile.binary} ${profile.versionArgs.join(' ')}\` failed: reinstall it (${profile.installHint})`,
  });
  if (profile.authCheck) {
    const auth = await runCommand([profile.authCheck], { timeoutMs: 15_000, env, shell: true });
    checks.push({
      subject,
      check: 'auth',
      status: auth.exitCode === 0 ? 'ok' : 'fail',
      detail:
        auth.exitCode === 0
          ? 'can authenticate'
          : `not logged in (${lastLine(`${auth.stdout}\n${auth.stderr}`) || `exit ${auth.exitCode ?? '?'}`})`,
      fix: auth.exitCode === 0 ? null : profile.authHint,
    });
  } else {
    checks.push({
      subject,
      check: 'auth',
      status: 'skip',
      detail: 'no quick check for this CLI; a task that cannot authenticate fails with the fix',
      fix: null,
    });
  }
  if (options.canary) checks.push(await canary(options, profile, found, versionText));
  return checks;
}

// Starts the agent's TUI in a scratch session, waits until the profile recognises its screen.
async function canary(
  options: DoctorOptions,
  profile: AgentProfile,
  binaryPath: string,
  version: string,
): Promise<DoctorCheck> {
  const subject = profile.type;
  // The program by its full path: a new session's command gets the tmux client's PATH, not ours.
  const argv = profile.interactive?.argv
    .filter((a) => a !== '{sessionArgs}')
    .map((a, i) => (i === 0 && a === profile.binary ? binaryPath : a));
  if (!argv)
    return {
      subject,
      check: 'screens',
      status: 'skip',
      detail: 'no interactive mode in the profile',
      fix: null,
    };
  const session = `tmuxorch-doctor-${process.pid}-${profile.type}`;
  const dir = await mkdtemp(join(tmpdir(), 'tmuxorch-canary-'));
  const deadline = Date.now() + (options.canaryTimeoutMs ?? 20_000);
  let last = '';
  try {
    const created = await options.server.newSession({
      session,
      name: 'canary',
      cwd: dir,
      command: argv,
      env: { PATH: options.path, ...profile.fixedEnv },
      cols: 160,
      rows: 50,
    });
    await options.server.run(['set-option', '-w', '-t', created.windowId, 'remain-on-exit', 'on']);
    // A screen still drawing can look like anything for a moment: the same reading twice, 1 s apart.
    let seen = null as { state: string; at: number } | null;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      last = await options.server.pane(created.paneId).capture();
      const state = classifyScreen(profile, last);
      if (state === 'unknown' || state !== seen?.state) {
        seen = state === 'unknown' ? null : { state, at: Date.now() };
        continue;
      }
      if (Date.now() - seen.at < 1_000) continue;
      if (state === 'crashed') {
        return {
          subject,
          check: 'screens',
          status: 'warn',
          detail: `its TUI exits at start (${version}): "${bottomOf(last)}"`,
          fix: `run \`${profile.binary ?? profile.type}\` in a terminal to see why (a first run may need a network or a login)`,
        };
      }
      return {
        subject,
        check: 'screens',
        status: 'ok',
        detail: `recognised: reads as ${state} (${version})`,
        fix: null,
      };
    }
    const bottom = bottomOf(last);
    return {
      subject,
      check: 'screens',
      status: 'warn',
      detail: `the ${profile.displayName} profile does not recognise the screen of ${version} (bottom: "${bottom}")`,
      fix: `the profile is stale for this version: update tmuxorch, or override "agents.${profile.type}.screens" in config.json`,
    };
  } catch (error) {
    return {
      subject,
      check: 'screens',
      status: 'warn',
      detail: `could not start the canary: ${String(error)}`,
      fix: null,
    };
  } finally {
    await options.server.killSession(session).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
