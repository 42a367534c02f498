// state/spend.json: what the agents spent by day (domain/budget/spend.ts), written whole by temp
// file and rename, so a daemon killed mid-write leaves the last good copy. A copy that cannot be
// read is set aside (spend.json.unreadable) rather than counted as nothing spent in silence.
import { readFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import type { SpendDays } from '../../domain/budget/spend.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

const taskSpendSchema = z.object({
  project: z.string(),
  worker: z.string(),
  calls: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});

const spendFileSchema = z.object({
  version: z.literal(1),
  days: z.record(z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.record(z.string(), taskSpendSchema)),
});

export interface SpendLoad {
  readonly days: SpendDays;
  // Set when the file was there but unreadable (it was moved aside).
  readonly problem: string | null;
}

// Read once at start, before anything is counted: synchronous keeps the counting simple. A reader
// that only shows the file (`budget` with no daemon) leaves an unreadable one where it is.
export function loadSpendFile(file: string, options: { setAside: boolean } = { setAside: true }): SpendLoad {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { days: {}, problem: null };
  }
  try {
    return { days: spendFileSchema.parse(JSON.parse(text)).days, problem: null };
  } catch (error) {
    const problem = `${file} could not be read (${String(error).slice(0, 200)})`;
    if (!options.setAside) return { days: {}, problem };
    const aside = `${file}.unreadable`;
    renameSync(file, aside);
    return { days: {}, problem: `${problem}; moved to ${aside}` };
  }
}

export function saveSpendFile(file: string, days: SpendDays): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify({ version: 1, days })}\n`);
}
