// The sim agent's conversations: one JSON file per session under $TMUXORCH_SIM_HOME/sessions
// (default ~/.tmuxorch-sim), so a resumed session goes on where it stopped, as a real agent's does.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

export interface SimTurn {
  readonly prompt: string;
  readonly reply: string;
  readonly isError: boolean;
}

export interface SimSession {
  readonly id: string;
  readonly project: string;
  readonly turns: SimTurn[];
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class SessionStore {
  readonly dir: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.dir = join(env.TMUXORCH_SIM_HOME ?? join(homedir(), '.tmuxorch-sim'), 'sessions');
  }

  private file(id: string): string {
    if (!SESSION_ID.test(id)) throw new SimUsageError(`invalid session id "${id}"`);
    return join(this.dir, `${id}.json`);
  }

  exists(id: string): boolean {
    return existsSync(this.file(id));
  }

  // A new session; `id` chosen by the caller (like claude --session-id) must not be in use.
  create(project: string, id: string = randomUUID()): SimSession {
    if (this.exists(id)) throw new SimUsageError(`Session ID ${id} is already in use.`);
    const session: SimSession = { id, project, turns: [] };
    this.save(session);
    return session;
  }

  load(id: string): SimSession {
    if (!this.exists(id)) throw new SimUsageError(`No conversation found with session ID: ${id}`);
    return JSON.parse(readFileSync(this.file(id), 'utf8')) as SimSession;
  }

  // A conversation holds whatever was asked (keys included, if a prompt had one): the file is the
  // user's only (0600, in a 0700 directory), whatever the umask; a leftover temp file is replaced,
  // never written through.
  save(session: SimSession): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(session.id);
    const temp = `${file}.tmp`;
    rmSync(temp, { force: true });
    writeFileSync(temp, JSON.stringify(session), { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
  }
}

// Bad arguments or an unknown or reused session: printed as one line on stderr, exit 2.
export class SimUsageError extends Error {}
