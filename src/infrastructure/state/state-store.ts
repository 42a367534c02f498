// The fleet's state on disk: state/state.json (a versioned, zod-validated snapshot, written
// atomically by its single writer, the daemon, with the previous one kept as state.json.bak) plus
// state/state.journal (changes since, see state-journal.ts). A corrupt file is refused and left
// in place for inspection; nothing ever overwrites it silently: `tmuxorch recover` (state-salvage.ts,
// application/fleet/recover.ts) rebuilds a clean state from every intact record.
import { link, readFile, rename, rm } from 'node:fs/promises';
import { StateCorruptError } from '../../domain/errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import type { HomePaths } from '../config/paths.js';
import { JournalWriter, journalLines, readJournal, replayJournal, type StateChanges } from './state-journal.js';
import { STATE_VERSION, emptyState, parseState, type FleetState } from './state-schema.js';

// Past this size the journal is folded into a new snapshot.
const COMPACT_JOURNAL_BYTES = 4 * 1024 * 1024;

function describeZodIssue(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid content';
  const where = issue.path.length ? issue.path.map(String).join('.') : 'top level';
  return `${where}: ${issue.message}`;
}

export class StateStore {
  // Workers and tasks are immutable (a change replaces the object), so each one's JSON is made
  // once: a save is a join of cached strings, not a re-serialisation of the whole fleet.
  private readonly json = new WeakMap<object, string>();

  private readonly journal: JournalWriter;

  constructor(private readonly paths: HomePaths) {
    this.journal = new JournalWriter(paths.stateJournal);
  }

  private toJson(item: object): string {
    let text = this.json.get(item);
    if (text === undefined) {
      text = JSON.stringify(item);
      this.json.set(item, text);
    }
    return text;
  }

  // Makes `changes` durable (one append + fdatasync); folds the journal into a new snapshot when
  // it has grown past its limit.
  async commit(changes: StateChanges, snapshot: () => FleetState): Promise<void> {
    await this.journal.append(journalLines(changes, (item) => this.toJson(item)));
    if (this.journal.size > COMPACT_JOURNAL_BYTES) await this.save(snapshot());
  }

  async close(): Promise<void> {
    await this.journal.close();
  }

  private serialize(state: FleetState): string {
    const list = (items: readonly object[]): string => items.map((item) => this.toJson(item)).join(',\n');
    const head = JSON.stringify({ version: state.version, session: state.session, nextSeq: state.nextSeq });
    return `${head.slice(0, -1)},\n"workers":[\n${list(state.workers)}],\n"tasks":[\n${list(state.tasks)}]}\n`;
  }

  // Reads and validates the snapshot and replays the journal; an absent file is an empty fleet,
  // a bad one is STATE_CORRUPT.
  async load(session: string): Promise<FleetState> {
    let snapshot: FleetState;
    try {
      snapshot = this.parse(await readFile(this.paths.stateFile, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      snapshot = emptyState(session);
    }
    const journal = await readJournal(this.paths.stateJournal);
    if (journal === '') return snapshot;
    const replayed = {
      workers: new Map(snapshot.workers.map((w) => [w.id, w])),
      tasks: new Map(snapshot.tasks.map((t) => [t.id, t])),
      nextSeq: snapshot.nextSeq,
    };
    try {
      replayJournal(journal, replayed);
    } catch (error) {
      throw new StateCorruptError(
        `${this.paths.stateJournal} is invalid (${(error as Error).message}): it was left untouched; run tmuxorch recover (it keeps every intact record and checks the tasks against the pane logs)`,
        { file: this.paths.stateJournal },
        { cause: error },
      );
    }
    return {
      ...snapshot,
      nextSeq: replayed.nextSeq,
      workers: [...replayed.workers.values()],
      tasks: [...replayed.tasks.values()],
    };
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

  // Writes the whole state as a new snapshot (the previous one becomes the backup) and empties
  // the journal, whose changes the snapshot now holds.
  async save(state: FleetState): Promise<void> {
    const text = this.serialize(state);
    await this.keepBackup();
    await writeFileAtomic(this.paths.stateFile, text);
    await this.journal.reset();
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
      `${message}: it was left untouched; run tmuxorch recover (it keeps every intact record and checks the tasks against the pane logs)`,
      { file: this.paths.stateFile, backup: this.paths.stateBackup },
      { cause },
    );
  }
}
