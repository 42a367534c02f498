// A task's files under state/tasks/<id>/: the script the pane sources, and the collected output
// (as a person saw it on the pane, and the raw bytes), written before the task is marked finished.
import { mkdirSync, writeFileSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { taskDir, type HomePaths } from '../config/paths.js';
import { writePrivateFileSync } from '../fs/private-file.js';
import { fileSize } from '../logs/log-tailer.js';
import { shellQuote } from '../../domain/marker.js';

// Plain writes, no temp file: each file is complete before the state change that makes anyone
// read it (the script before the task is `running` and typed, the output before it is finished);
// a crash in between leaves the task in its earlier state, and the file is written again.
// Small files are written synchronously: tens of microseconds, where a thread-pool round trip per
// call costs a tenth of a millisecond on every task (the fleet's throughput hangs on this path).
// Outputs larger than this are written asynchronously (the event loop is not held for long).
const SYNC_WRITE_MAX_CHARS = 256 * 1024;
// Outputs written recently are kept in memory too (up to this many characters in all): whoever
// waits on a task reads its result right after it finished, without a file read.
const RECENT_OUTPUT_MAX_CHARS = 4 * 1024 * 1024;

// It has the shape of application/ports/files.ts's TaskFilesPort (checked where it is handed over).
export class TaskFiles {
  private readonly made = new Set<string>();
  private readonly recent = new Map<string, string>();
  private recentChars = 0;

  constructor(private readonly paths: HomePaths) {}

  // The task's directory, made if needed (before anything writes into it).
  ensureDir(taskId: string): string {
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

  // Where an agent task's stdout (its structured result) is kept.
  agentStdoutPath(taskId: string): string {
    return join(this.dir(taskId), 'agent.out');
  }

  async readAgentStdout(taskId: string): Promise<string> {
    try {
      return await readFile(this.agentStdoutPath(taskId), 'utf8');
    } catch {
      return '';
    }
  }

  // The agent's stdout with secrets cut out, rewritten so: `tee` wrote what the agent printed.
  async redactAgentStdout(taskId: string, redact: (text: string) => string): Promise<string> {
    const text = await this.readAgentStdout(taskId);
    const redacted = redact(text);
    if (redacted !== text) await writeFile(this.agentStdoutPath(taskId), redacted, { mode: 0o600 });
    return redacted;
  }

  scriptPath(taskId: string): string {
    return join(this.dir(taskId), 'run.sh');
  }

  // `secret`: the script holds a secret; it deletes itself as it starts (bash has read the whole
  // file by then), so the secret is on disk only between dispatch and the shell's first line.
  writeScript(taskId: string, script: string, { secret = false }: { secret?: boolean } = {}): string {
    this.ensureDir(taskId);
    const file = this.scriptPath(taskId);
    if (!secret) writeFileSync(file, script, { mode: 0o600 });
    else writePrivateFileSync(file, `command rm -f -- ${shellQuote(file)}\n${script}`);
    return file;
  }

  // Nothing is written for a task without output: readOutput() then gives ''.
  async writeOutput(taskId: string, output: string, raw: string): Promise<void> {
    this.remember(taskId, output);
    if (output === '' && raw === '') {
      this.made.delete(taskId);
      return;
    }
    const dir = this.ensureDir(taskId);
    const write = (name: string, text: string): Promise<void> | void =>
      text.length <= SYNC_WRITE_MAX_CHARS
        ? writeFileSync(join(dir, name), text, { mode: 0o600 })
        : writeFile(join(dir, name), text, { mode: 0o600 });
    // output.raw (the bytes, escape sequences kept) only where it differs from the rendered text.
    await write('output.txt', output);
    if (raw !== output) await write('output.raw', raw);
    this.made.delete(taskId);
  }

  // The collected output of a finished task ('' when it printed nothing).
  async readOutput(taskId: string): Promise<string> {
    const recent = this.recent.get(taskId);
    if (recent !== undefined) return recent;
    try {
      return await readFile(join(this.dir(taskId), 'output.txt'), 'utf8');
    } catch {
      return '';
    }
  }

  private remember(taskId: string, output: string): void {
    this.forget(taskId);
    if (output.length > RECENT_OUTPUT_MAX_CHARS) return;
    this.recent.set(taskId, output);
    this.recentChars += output.length;
    for (const [id, text] of this.recent) {
      if (this.recentChars <= RECENT_OUTPUT_MAX_CHARS) break;
      this.recent.delete(id);
      this.recentChars -= text.length;
    }
  }

  private forget(taskId: string): void {
    const text = this.recent.get(taskId);
    if (text === undefined) return;
    this.recent.delete(taskId);
    this.recentChars -= text.length;
  }

  async readFrom(file: string, from: number): Promise<string> {
    return readSlice(file, from, await fileSize(file));
  }

  async remove(taskId: string): Promise<void> {
    this.made.delete(taskId);
    this.forget(taskId);
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
