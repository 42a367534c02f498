// Where the bundled sim agent lives, and the `tmuxorch-sim` command worker panes find on their
// PATH: a two-line wrapper under state/bin that runs it with this Node. (An `npm install -g`
// also links a real `tmuxorch-sim`; the wrapper makes a clone or a local install work the same.)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../fs/atomic-file.js';

// The package root: the nearest directory above this file whose package.json is tmuxorch's
// (this file runs from dist/infrastructure/process/, from a bundle in dist/bin/, or from src/).
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tmuxorch') return dir;
    } catch {
      // not ours
    }
  }
  throw new Error('cannot find the tmuxorch package root');
}

export function simScript(): string {
  return join(packageRoot(), 'dist', 'bin', 'tmuxorch-sim.js');
}

// The tmuxorch command itself, for what a worker runs back into it (its PreToolUse hook).
export function tmuxorchScript(): string {
  return join(packageRoot(), 'dist', 'bin', 'tmuxorch.js');
}

// Writes <binDir>/tmuxorch-sim; returns binDir, to put in front of the panes' PATH.
export async function installSimCommand(binDir: string): Promise<string> {
  const wrapper = `#!/bin/sh\nexec '${process.execPath.replaceAll("'", `'\\''`)}' '${simScript().replaceAll("'", `'\\''`)}' "$@"\n`;
  await writeFileAtomic(join(binDir, 'tmuxorch-sim'), wrapper, 0o700);
  return binDir;
}
