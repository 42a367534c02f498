// The files the MCP tools and resources read beside the operations, as the CLI's `logs` and
// `flow logs` read them: a task's output (or its worker's log from the task's offset while it
// runs) and a run's report.md / logs.txt. The MCP server runs on the daemon's machine (stdio: a
// child of the host, beside the daemon; HTTP: inside it), so the files are local.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { redactTokenShapes } from '../../domain/redact.js';
import { cleanLine } from '../../domain/terminal-text.js';

// At most this much of a file's end is read: a tail, not the whole log.
const TAIL_BYTES = 512 * 1024;

async function readEnd(file: string, from: number): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(from, size - TAIL_BYTES);
    if (size <= start) return '';
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

function lastLines(text: string, lines: number | null): string {
  if (lines === null) return text;
  const all = text.replace(/\n$/, '').split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

// A task's output so far, cleaned of terminal escapes and key shapes, its last `lines` lines.
export async function readLogTail(file: string, offset: number, lines: number | null): Promise<string> {
  const text = await readEnd(file, offset);
  return redactTokenShapes(lastLines(text.split('\n').map(cleanLine).join('\n'), lines));
}

// A file of a run's directory (written redacted by the engine), '' while it does not exist.
export async function readRunFile(
  flowsDir: string,
  runId: string,
  name: 'report.md' | 'logs.txt',
  lines: number | null,
): Promise<string> {
  return lastLines(await readEnd(join(flowsDir, runId, name), 0), lines);
}
