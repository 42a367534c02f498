// A step's artifacts scanned for secrets (domain/policy/secret-scan.ts) before anyone reads them:
// a file that holds one is rewritten with it cut out, atomically and with its mode kept; what was
// found is returned by file, kind and line, never the secret.
import { constants } from 'node:fs';
import { chmod, open } from 'node:fs/promises';
import { scanSecrets, type SecretFinding, type SecretValue } from '../../domain/policy/secret-scan.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

export interface ArtifactFinding {
  readonly file: string; // as given
  readonly findings: readonly SecretFinding[];
}

export interface ArtifactScan {
  findings: ArtifactFinding[];
  skipped: { file: string; reason: string }[];
}

export const MAX_SCANNED_BYTES = 16 * 1024 * 1024;
// A NUL byte among the first this many bytes makes a file binary (as git and grep decide).
const BINARY_SNIFF_BYTES = 8 * 1024;

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;

type Read = { readonly bytes: Buffer; readonly mode: number } | { readonly skip: string } | null;

// The file's bytes and mode, or why it is not scanned, or null when it does not exist. Opened
// without following a symbolic link (a rewrite must not land where the link points) and without
// blocking on a FIFO; the checks are made on what was opened.
async function readArtifact(file: string): Promise<Read> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') return { skip: 'a symbolic link (not followed)' };
    return { skip: `unreadable (${code ?? String(error)})` };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { skip: 'not a regular file' };
    if (stats.size > MAX_SCANNED_BYTES) return { skip: `larger than 16 MiB (${stats.size} bytes)` };
    const bytes = await handle.readFile();
    if (bytes.length > MAX_SCANNED_BYTES) return { skip: `larger than 16 MiB (${bytes.length} bytes)` };
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0))
      return { skip: 'binary (a NUL byte in its first 8 KiB)' };
    return { bytes, mode: stats.mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

// Scans each existing text file of `files`, in order. A missing file is passed over silently; one
// not scanned (binary, over 16 MiB, a symbolic link, not a regular file, unreadable) is in
// `skipped` with the reason. A file with findings is rewritten with them redacted; a clean one is
// not touched. The bytes are read as Latin-1 so a rewrite changes only the secrets' bytes, whatever
// the file's encoding (the values are looked for by their UTF-8 bytes alike).
export async function scanArtifacts(
  files: readonly string[],
  values: readonly SecretValue[],
): Promise<ArtifactScan> {
  const byteValues = values.map(({ name, value }) => ({
    name,
    value: Buffer.from(value, 'utf8').toString('latin1'),
  }));
  const result: ArtifactScan = { findings: [], skipped: [] };
  for (const file of files) {
    const read = await readArtifact(file);
    if (read === null) continue;
    if ('skip' in read) {
      result.skipped.push({ file, reason: read.skip });
      continue;
    }
    const scan = scanSecrets(read.bytes.toString('latin1'), byteValues);
    if (scan.findings.length === 0) continue;
    await writeFileAtomic(file, Buffer.from(scan.text, 'latin1'), { mode: read.mode });
    // The temp file was created under the umask, which may have dropped bits of the mode.
    await chmod(file, read.mode);
    result.findings.push({ file, findings: scan.findings });
  }
  return result;
}
