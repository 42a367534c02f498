// sha256 (hex) of a text or a file: what the audit chain, the gates and the run's hashes use.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// null when the file is not there.
export async function sha256File(path: string): Promise<string | null> {
  const data = await readFile(path).catch(() => null);
  return data === null ? null : createHash('sha256').update(data).digest('hex');
}
