// Doctor's canary: the agent's TUI started in a scratch tmux session must show a screen its
// profile recognises. It leaves nothing behind: the session is closed and every process the pane
// started is ended by pid (gemini re-launches itself as a second node, which outlives the SIGHUP
// of a closed session), and its scratch directory is removed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentProfile } from '../../domain/agents/profile.js';
import { classifyScreen } from '../../domain/agents/screen-classifier.js';
import { killProcessTree } from '../../infrastructure/process/process-tree.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { DoctorCheck } from './doctor.js';

export interface CanaryOptions {
  readonly server: TmuxPort;
  readonly path: string;
  // Extra environment of the pane (the doctor run's scratch homes).
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

// The bottom two non-blank lines of a screen, on one line.
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

// Starts the agent's TUI in a scratch session, waits until the profile recognises its screen.
// `version` describes what was found (and how it stands against the verified range).
export async function canary(
  options: CanaryOptions,
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
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = '';
  let pid: number | null = null;
  try {
    const created = await options.server.newSession({
      session,
      name: 'canary',
      cwd: dir,
      command: argv,
      env: { PATH: options.path, ...options.env, ...profile.fixedEnv },
      cols: 160,
      rows: 50,
    });
    pid = await options.server.pane(created.paneId).pid();
    await options.server.setWindowOption(created.windowId, 'remain-on-exit', 'on');
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
    return {
      subject,
      check: 'screens',
      status: 'warn',
      detail: `the ${profile.displayName} profile does not recognise the screen of ${version} (bottom: "${bottomOf(last)}")`,
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
    // Ended first, while the pane still holds them: a closed session only sends SIGHUP.
    if (pid !== null) await killProcessTree(pid).catch(() => undefined);
    await options.server.killSession(session).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
