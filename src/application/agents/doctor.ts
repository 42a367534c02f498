// `tmuxorch doctor`: is this machine ready to run agent workers? tmux's version; for each agent
// profile, its CLI (found, version), whether it can authenticate, and a canary: its TUI started
// in a scratch pane must show a screen the profile recognises. An update of an agent CLI that
// changed its screens is reported as a stale profile for that version, instead of a fleet that
// silently reports wrong states; a version outside the profile's verified range is said as such
// ("verified with X, found Y"). Nothing is left behind: the sim's sessions go to a scratch home
// removed at the end, each canary's processes are ended (doctor-canary.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentProfile } from '../../domain/agents/profile.js';
import type { ProfileRegistry } from '../../domain/agents/registry.js';
import {
  describeRange,
  parseVersion,
  versionFit,
  type VersionFit,
} from '../../domain/agents/version-range.js';
import { findExecutable } from '../../infrastructure/process/executable.js';
import { runCommand } from '../../infrastructure/process/run-command.js';
import type { TmuxPort } from '../ports/tmux.js';
import { canary } from './doctor-canary.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  readonly subject: string;
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  // What to do about it (null when nothing is to be done).
  readonly fix: string | null;
  // The `version` check: what was found against what the profile was verified with.
  readonly versions?: { readonly found: string | null; readonly verified: string; readonly fit: VersionFit };
}

export interface DoctorOptions {
  readonly profiles: ProfileRegistry;
  readonly server: TmuxPort;
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

export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  // The bundled sim keeps sessions under $HOME/.tmuxorch-sim unless told: a scratch home instead.
  const scratch = await mkdtemp(join(tmpdir(), 'tmuxorch-doctor-'));
  const scratchEnv = { TMUXORCH_SIM_HOME: join(scratch, 'sim') };
  try {
    const env = { ...options.env, PATH: options.path, ...scratchEnv };
    const checks: DoctorCheck[] = [await tmuxCheck(env)];
    const types = options.types ?? options.profiles.types().filter((t) => options.profiles.get(t)?.binary);
    for (const type of types)
      checks.push(...(await agentChecks(options, options.profiles.require(type), env, scratchEnv)));
    return checks;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// The version check: "verified with X, found Y" outside the profile's range.
function versionCheck(profile: AgentProfile, versionText: string): DoctorCheck | null {
  const range = profile.verifiedVersions;
  if (!range) return null;
  const found = parseVersion(versionText);
  const fit = versionFit(range, found);
  const verified = describeRange(range);
  const versions = { found, verified, fit };
  if (fit === 'verified')
    return {
      subject: profile.type,
      check: 'version',
      status: 'ok',
      detail: `verified with ${verified}`,
      fix: null,
      versions,
    };
  return {
    subject: profile.type,
    check: 'version',
    status: 'warn',
    detail:
      found === null
        ? `verified with ${verified}, found a version it cannot read ("${versionText}")`
        : `verified with ${verified}, found ${found} (${fit})`,
    fix: `tmuxorch's ${profile.displayName} profile was checked against ${verified}: the screens check says whether it still recognises this version; install ${verified} to be sure`,
    versions,
  };
}

// The variables whose presence alone lets the auth check pass (`${NAME:-}` in it).
function keyVariables(authCheck: string): string[] {
  return [...authCheck.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):-\}/g)].map((m) => m[1] ?? '').filter(Boolean);
}

// The auth check runs in the controller's environment; a worker may get its key another way.
function authCheck(
  profile: AgentProfile,
  out: { exitCode: number | null; stdout: string; stderr: string },
): DoctorCheck {
  const subject = profile.type;
  if (out.exitCode === 0)
    return { subject, check: 'auth', status: 'ok', detail: 'can authenticate', fix: null };
  const why = lastLine(`${out.stdout}\n${out.stderr}`) || `exit ${out.exitCode ?? '?'}`;
  const keys = keyVariables(profile.authCheck ?? '');
  if (keys.length === 0)
    return {
      subject,
      check: 'auth',
      status: 'fail',
      detail: `not logged in (${why})`,
      fix: profile.authHint,
    };
  const [first] = keys;
  return {
    subject,
    check: 'auth',
    status: 'warn',
    detail: `no login, and ${keys.join(', ')} not in the controller's environment (${why})`,
    fix: `a worker can still get a key: pass it with \`add-worker --env ${first ?? 'KEY'}=…\` (or put it in the controller's environment before \`tmuxorch start\`); else ${profile.authHint}`,
  };
}

async function agentChecks(
  options: DoctorOptions,
  profile: AgentProfile,
  env: NodeJS.ProcessEnv,
  scratchEnv: Readonly<Record<string, string>>,
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
  const drift = versionCheck(profile, versionText);
  if (drift) checks.push(drift);
  if (profile.authCheck) {
    const auth = await runCommand([profile.authCheck], { timeoutMs: 15_000, env, shell: true });
    checks.push(authCheck(profile, auth));
  } else {
    checks.push({
      subject,
      check: 'auth',
      status: 'skip',
      detail: 'no quick check for this CLI; a task that cannot authenticate fails with the fix',
      fix: null,
    });
  }
  if (options.canary) {
    const seen = drift?.status === 'warn' ? `${versionText}; ${drift.detail}` : versionText;
    const canaryOptions = {
      server: options.server,
      path: options.path,
      env: scratchEnv,
      ...(options.canaryTimeoutMs !== undefined ? { timeoutMs: options.canaryTimeoutMs } : {}),
    };
    checks.push(await canary(canaryOptions, profile, found, seen));
  }
  return checks;
}
