// The policed workers' own keys (peer-proof.ts workerKeyOf), one file each in
// state/worker-keys/ (0600 in a 0700 directory): an agent's hook proves with its worker's key,
// and a sandbox shows the worker only its own (worker-sandbox.ts hides the others and the
// daemon's). Written when a worker's hook is wired and again at every daemon start (the key
// changes with the daemon's).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';

// An empty private file (made if missing): what a sandbox shows in place of a key.
export function emptyFile(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, '', { mode: 0o600, flag: 'a' });
  return file;
}
import { workerKeyOf } from './peer-proof.js';

export class WorkerKeys {
  // Written by this daemon already (a worker's key does not change while it runs).
  private readonly written = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly daemonKey: string,
  ) {}

  fileOf(workerId: string): string {
    return join(this.dir, `${workerId}.key`);
  }

  // The worker's key file, written with the running daemon's key once per daemon.
  write(workerId: string): string {
    const file = this.fileOf(workerId);
    if (this.written.has(workerId)) return file;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${workerKeyOf(this.daemonKey, workerId)}\n`, { mode: 0o600 });
    this.written.add(workerId);
    return file;
  }

  // At start: the keys of these workers rewritten, every other key file removed.
  refresh(workerIds: readonly string[]): void {
    const keep = new Set(workerIds.map((id) => `${id}.key`));
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // none yet
    }
    for (const name of names) if (!keep.has(name)) rmSync(join(this.dir, name), { force: true });
    for (const id of workerIds) this.write(id);
  }

  remove(workerId: string): void {
    this.written.delete(workerId);
    rmSync(this.fileOf(workerId), { force: true });
  }
}
