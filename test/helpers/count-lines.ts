// How many lines of a file are exactly `line` (0 when the file is not there yet): how the fault
// tests count a task's side effects, to tell "ran once" from "ran twice".
import { readFile } from 'node:fs/promises';

export async function countLines(file: string, line = 'ran'): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l === line).length;
}
