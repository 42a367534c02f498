// Ephemeral fleets (`tmuxorch run` without a daemon, `Fleet.ephemeral()`) own their tmux session
// and remove it when they end. A process killed outright (SIGKILL, OOM, a CI runner's timeout)
// cannot: its session, and the jobs in its panes, would run on. So each such session is stamped
// with its owner's pid, and the next ephemeral fleet on the same tmux server removes the sessions
// whose owner is gone.
import { isAlive } from '../../infrastructure/process/pid-file.js';
import type { TmuxServer } from '../../infrastructure/tmux/server.js';
import { HOME_OPTION } from '../../infrastructure/tmux/format.js';

export const OWNER_PID_OPTION = '@tmuxorch_owner_pid';

export async function claimSession(server: TmuxServer, session: string, pid: number): Promise<void> {
  await server.setSessionOption(session, OWNER_PID_OPTION, String(pid));
}

// Takes the stamp off: the session outlives its owner on purpose (workers kept to look at).
export async function releaseSession(server: TmuxServer, session: string): Promise<void> {
  await server.run(['set-option', '-u', '-t', `=${session}:`, OWNER_PID_OPTION]);
}

export interface OrphanSession {
  readonly session: string;
  // The tmuxorch home of the fleet that owned it (its state and pane logs).
  readonly home: string;
}

// Kills the sessions whose owner process is gone; returns them.
export async function removeOrphanSessions(server: TmuxServer): Promise<OrphanSession[]> {
  const listed = await server.run([
    'list-sessions',
    '-F',
    `#{session_name}\t#{${OWNER_PID_OPTION}}\t#{${HOME_OPTION}}`,
  ]);
  if (!listed.ok) return [];
  const orphans: OrphanSession[] = [];
  for (const line of listed.stdout) {
    const [session = '', pidText = '', home = ''] = line.split('\t');
    const pid = Number(pidText);
    if (pidText === '' || !Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    await server.killSession(session);
    orphans.push({ session, home });
  }
  return orphans;
}
