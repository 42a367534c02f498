// state/state.json: versioned, zod-validated, written atomically by its single writer (the daemon),
// with the last good file kept as state.json.bak. A corrupt file is refused and left in place for
// inspection; nothing ever overwrites it silently.
import { link, readFile, rename, rm } from 'node:fs/promises';
import { StateCorruptError } from '../../domain/errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { HomePaths } from '../config/paths.js';
import { STATE_VERSION, emptyState, parseState, type FleetState } from './state-schema.js';

function describeZodIssue(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid content';
  const where = issue.path.length ? issue.path.map(String).join('.') : 'top level';
  return `${where}: ${issue.message}`;
}

export class StateStore {
  constructor(private readonly paths: HomePaths) {}

  // Reads and validates the state; an absent file is an empty fleet, a bad one is STATE_CORRUPT.
  async load(session: string): Promise<FleetState> {
    let text: string;
    try {
      text = await readFile(this.paths.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState(session);
      throw error;
    }
    return this.parse(text);
  }

  parse(text: string): FleetState {
    const file = this.paths.stateFile;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw this.corrupt(`${file} is not valid JSON`, error);
    }
    const version = (json as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > STATE_VERSION) {
      throw new StateCorruptError(
        `${file} was written by a newer tmuxorch (state version ${version}): upgrade tmuxorch or point TMUXORCH_HOME elsewhere`,
        { file, version },
      );
    }
    const parsed = parseState(json);
    if (!parsed.success) throw this.corrupt(`${file} is invalid (${describeZodIssue(parsed.error)})`, parsed.error);
    return parsed.data;
  }

  // Writes the whole state atomically; the previous good file becomes the backup first.
  async save(state: FleetState): Promise<void> {
    const text = `${JSON.stringify(state, null, 1)}\n`;
    await this.keepBackup();
    await writeFileAtomic(this.paths.stateFile, text);
  }

  // The current file becomes the backup by hard link: no copy, and state.json never goes missing.
  private async keepBackup(): Promise<void> {
    const temp = `${this.paths.stateBackup}.tmp`;
    await rm(temp, { force: true });
    try {
      await link(this.paths.stateFile, temp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rename(temp, this.paths.stateBackup);
  }

  // Moves a refused file aside (kept for inspection) so a fresh start is possible; returns its new name.
  async quarantine(now = new Date()): Promise<string> {
    const target = `${this.paths.stateFile}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.paths.stateFile, target);
    return target;
  }

  private corrupt(message: string, cause: unknown): StateCorruptError {
    return new StateCorruptError(
      `${message}: it was left untouched for inspection; restore ${this.paths.stateBackup} or move the file away, then start again`,
      { file: this.paths.stateFile, backup: this.paths.stateBackup },
      { cause },
    );
  }
}
