// Gates: a person's decision, bound to what they were shown. A gate opens with the sha256 of each
// artifact it shows; `approve` passes it only while those hashes still hold (an artifact reworked
// since is shown again, with its new hash, never approved unseen), and a step after an approved
// gate starts only if they still hold then. Only an explicit approve passes a gate, in any mode,
// also after a resume: auto mode passes only gates not marked `required`, and says so.
import { isAbsolute, resolve } from 'node:path';
import type { GateRecord, RunMode, RunRecord, StepRecord } from '../../domain/workflow/workflow-run.js';
import type { GateStepSpec } from '../../domain/workflow/workflow-spec.js';
import { sha256File } from '../../infrastructure/fs/sha256.js';
import { RunContext } from './run-context.js';

// The files a gate shows: output references (steps.X.outputs.Y) or paths in the run directory.
export function shownPaths(
  run: RunRecord,
  step: StepRecord,
  runDir: string,
  show: readonly string[],
): string[] {
  return show.map((item) => {
    if (/^steps\.[^.]+\.outputs\.[^.]+$/.test(item)) {
      const context = RunContext.plain(run, step, { runDir, stepDir: runDir });
      return context.resolve(item.split('.')) ?? resolve(runDir, item);
    }
    return isAbsolute(item) ? item : resolve(runDir, item);
  });
}

export async function hashAll(paths: readonly string[]): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const path of paths) hashes[path] = (await sha256File(path)) ?? 'missing';
  return hashes;
}

// The artifacts whose hash is not what the gate recorded.
export async function changedSince(gate: GateRecord): Promise<string[]> {
  const now = await hashAll(Object.keys(gate.hashes));
  return Object.keys(gate.hashes).filter((path) => now[path] !== gate.hashes[path]);
}

export function openGate(
  kind: GateRecord['kind'],
  message: string,
  hashes: Record<string, string>,
  now: number,
  timeoutMs: number | undefined,
  about: Pick<GateRecord, 'limit' | 'move'> = {},
): GateRecord {
  return {
    state: 'waiting',
    kind,
    message,
    hashes,
    openedAt: new Date(now).toISOString(),
    decidedAt: null,
    note: null,
    by: null,
    timeoutAt: timeoutMs === undefined ? null : new Date(now + timeoutMs).toISOString(),
    ...about,
  };
}

export function decideGate(
  gate: GateRecord,
  approved: boolean,
  by: GateRecord['by'],
  note: string | null,
  now: number,
): GateRecord {
  return {
    ...gate,
    state: approved ? 'approved' : 'denied',
    by,
    note,
    decidedAt: new Date(now).toISOString(),
  };
}

// Whether a step's own gate passes without a person: auto mode, and not required.
export function autoPasses(mode: RunMode, spec: GateStepSpec): boolean {
  return mode === 'auto' && !spec.gate.required;
}
