// A task's files under state/tasks/<id>/: the script the pane sources, and the collected output
// (ANSI-stripped and raw), written before the task is marked finished.
import { mkdirSync, writeFileSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskDir, type HomePaths } from '../infrastructure/config/paths.js';

// Plain writes, no temp file: each file is complete before the state change that makes anyone
// read it (the script before the task is `running` and typed, the output before it is finished);
// a crash in between leaves the task in its earlier state, and the file is written again.
// Small files are written synchronously: tens of microseconds, where a thread-pool round trip per
// call costs a tenth of a millisecond on every task (the fleet's throughput hangs on this path).
// Outputs larger than this are written asynchronously (the event loop is not held for long).
const SYNC_WRITE_MAX_CHARS = 256 * 1024;

export class TaskFiles {
  private readonly made = new Set<string>();

  constructor(private readonly paths: HomePaths) {}

  private ensureDir(taskId: string): string {
    const dir = this.dir(taskId);
    if (!this.made.has(taskId)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.made.add(taskId);
    }
    return dir;
  }

  dir(taskId: string): string {
    return taskDir(this.paths, taskId);
  }

  scriptPath(taskId: string): string {
    return join(this.dir(taskId), 'run.sh');
  }

  // Where the task script records the moment its command ended.
  endStampPath(taskId: string): string {
    return join(this.dir(taskId), 'ended-at');
  }

  // When the command really ended (the script's own clock), or null.
  async readEndStamp(taskId: string): Promise<Date | null> {
    try {
      const seconds = Number.parseFloat(await readFile(this.endStampPath(taskId), 'utf8'));
      return Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)) : null;
    } catch {
      return null;
    }
  }

  async writeScript(taskId: string, script: string): Promise<string> {
    this.ensureDir(taskId);
    const file = this.scriptPath(taskId);
    writeFileSync(file, script, { mode: 0o600 });
    return file;
  }

  async writeOutput(taskId: string, output: string, raw: string): Promise<void> {
    const dir = this.ensureDir(taskId);
    const write = (name: string, text: string): Promise<void> | void =>
      text.length <= SYNC_WRITE_MAX_CHARS
        ? writeFileSync(join(dir, name), text, { mode: 0o600 })
        : writeFile(join(dir, name), text, { mode: 0o600 });
    // output.raw (escape sequences kept) only where it differs from the clean text.
    await write('output.txt', output);
    if (raw !== output) await write('output.raw', raw);
    this.made.delete(taskId);
  }

  // The collected output, or null when the task has none (yet).
  async readOutput(taskId: string): Promise<string | null> {
    try {
      return await readFile(join(this.dir(taskId), 'output.txt'), 'utf8');
    } catch {
      return null;
    }
  }

  async remove(taskId: string): Promise<void> {
    this.made.delete(taskId);
    await rm(this.dir(taskId), { recursive: true, force: true });
  }
}

// Reads bytes [from, to) of a file as text ('' when it is not there).
export async function readSlice(file: string, from: number, to: number): Promise<string> {
  if (to <= from) return '';
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
