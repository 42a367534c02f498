// Who is on the other end of the daemon's socket. Node exposes no SO_PEERCRED, and reading
// /proc/net/unix does not name a connection's peer; a native addon would be one more build to
// keep working. So the daemon and its client prove to each other that they can read the home's
// key file, state/daemon.key: 0600 in a 0700 directory, so only the home's user (or root) can.
// Each side answers the other's fresh nonce with an HMAC, so a proof seen once is worth nothing,
// and the client never sends its proof to a listener that has not proved itself first: a process
// that squatted on the socket path learns nothing it could replay.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { HomeUnsafeError } from '../../domain/errors.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

export type ProofRole = 'daemon' | 'client';

export const NONCE_PATTERN = /^[0-9a-f]{64}$/;

export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

export function proofOf(key: string, role: ProofRole, clientNonce: string, daemonNonce: string): string {
  return createHmac('sha256', key).update(`tmuxorch/1 ${role} ${clientNonce} ${daemonNonce}`).digest('hex');
}

// A policed worker's own key (its agent's hooks prove with it, never with the daemon's): derived
// from the daemon's key, so it changes with each daemon start and needs no store of its own. A
// connection proven with it may run only that worker's hook operations (rpc-server.ts), so an
// agent that can read only its own key (a sandboxed one) cannot answer its own asks.
export function workerKeyOf(daemonKey: string, workerId: string): string {
  return createHmac('sha256', daemonKey).update(`tmuxorch/1 worker ${workerId}`).digest('hex');
}

export const WORKER_ID_PATTERN = /^w-[A-Za-z0-9_-]{1,40}$/;

export function proofMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

// A new key for a starting daemon, saved before its socket listens.
export async function createDaemonKey(file: string): Promise<string> {
  const key = randomBytes(32).toString('hex');
  await writeFileAtomic(file, `${key}\n`, { mode: 0o600, durable: false });
  return key;
}

// The key of the running daemon, or null when none has started. A key file others could read or
// replace proves nothing: it is refused.
export function readDaemonKey(file: string): string | null {
  let stats;
  try {
    stats = lstatSync(file);
  } catch {
    return null;
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : stats.uid;
  if (!stats.isFile() || stats.uid !== uid || (stats.mode & 0o077) !== 0)
    throw new HomeUnsafeError(
      `${file} must be a file of your own that only you can read (mode 0600): remove it and run tmuxorch start again`,
      { file },
    );
  const key = readFileSync(file, 'utf8').trim();
  return key === '' ? null : key;
}
