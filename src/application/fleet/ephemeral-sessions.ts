// Ephemeral fleets (`tmuxorch run` without a daemon, `Fleet.ephemeral()`) own their tmux session
// and remove it when they end. A process killed outright (SIGKILL, OOM, a CI runner's timeout)
// cannot: its session, and the jobs in its panes, would run on. So each such session is stamped
// with its owner's pid, and the next ephemeral fleet on the same tmux server removes the sessions
// whose owner is gone.
import { isAlive } from '../../infrastructure/process/pid-file.js';
import type { TmuxPort } from '../ports/tmux.js';
import { HOME_OPTION } from '../../infrastructure/tmux/format.js';

export const OWNER_PID_OPTION = '@tmuxorch_owner_pid';

export async function claimSession(server: TmuxPort, session: string, pid: number): Promise<void> {
  await server.setSessionOption(session, OWNER_PID_OPTION, String(pid));
}

// Takes the stamp off: the session outlives its owner on purpose (workers kept to look at).
export async function releaseSession(server: TmuxPort, session: string): Promise<void> {
  await server.unsetSessionOption(session, OWNER_PID_OPTION);
}

export interface OrphanSession {
  readonly session: string;
  // The tmuxorch home of the fleet that owned it (its state and pane logs).
  readonly home: string;
}

// Kills the sessions whose owner process is gone; returns them.
export async function removeOrphanSessions(server: TmuxPort): Promise<OrphanSession[]> {
  const listed = await server.listSessions([
    '#{session_name}',
    `#{${OWNER_PID_OPTION}}`,
    `#{${HOME_OPTION}}`,
  ]);
  const orphans: OrphanSession[] = [];
  for (const [session = '', pidText = '', home = ''] of listed) {
    const pid = Number(pidText);
    if (pidText === '' || !Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    await server.killSession(session);
    orphans.push({ session, home });
  }
  return orphans;
}
