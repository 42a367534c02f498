// A step's artifacts on disk: one with a secret is rewritten redacted (atomically, its mode kept),
// a clean one is not touched, a missing one passed over, a binary, oversized, linked or special
// one skipped with its reason.
import { execFileSync } from 'node:child_process';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED } from '../../src/domain/redact.js';
import { scanArtifacts } from '../../src/infrastructure/workflow/artifact-scan.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmuxorch-artifact-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const word = (n: number): string =>
  Array.from(
    { length: n },
    (_, i) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[(i * 7 + n) % 62],
  ).join('');
const anthropicKey = `sk-ant-api03-${word(90)}AA`;

const patch = (key: string): string =>
  [
    'diff --git a/src/client.ts b/src/client.ts',
    'index 3f9a1c2..7e4d5f6 100644',
    '--- a/src/client.ts',
    '+++ b/src/client.ts',
    '@@ -1,3 +1,4 @@',
    " import { Anthropic } from '@anthropic-ai/sdk';",
    `+const apiKey = '${key}';`,
    ' export const client = new Anthropic({ apiKey });',
    '',
  ].join('\n');

describe('scanArtifacts', () => {
  it('rewrites a patch holding a key with the key redacted, and reports it', async () => {
    const file = join(dir, 'patch.diff');
    await writeFile(file, patch(anthropicKey));
    const result = await scanArtifacts([file], []);
    expect(result).toEqual({
      findings: [{ file, findings: [{ kind: 'anthropic-key', line: 7 }] }],
      skipped: [],
    });
    const after = await readFile(file, 'utf8');
    expect(after).toBe(patch(REDACTED));
    expect(after).not.toContain(anthropicKey);
    expect(JSON.stringify(result)).not.toContain(anthropicKey);
    // Atomic: no temp file left beside it.
    expect(await readdir(dir)).toEqual(['patch.diff']);
  });

  it('finds a known value by its name and keeps the file as given in the result', async () => {
    await mkdir(join(dir, 'step'));
    const password = `pw-${word(20)}`;
    await writeFile(join(dir, 'step', 'report.md'), `# Report\n\nlogged in with ${password}\n`);
    const relative = join(dir, 'step', '..', 'step', 'report.md');
    const result = await scanArtifacts([relative], [{ name: 'DB_PASSWORD', value: password }]);
    expect(result.findings).toEqual([
      { file: relative, findings: [{ kind: 'known-value', line: 3, name: 'DB_PASSWORD' }] },
    ]);
    expect(await readFile(relative, 'utf8')).toBe(`# Report\n\nlogged in with ${REDACTED}\n`);
  });

  it("keeps a rewritten file's mode, bits the umask would drop too", async () => {
    const file = join(dir, 'run.sh');
    await writeFile(file, `#!/bin/sh\nexport GITHUB_TOKEN=ghp_${word(36)}\n`);
    await chmod(file, 0o775);
    const umask = process.umask(0o077);
    try {
      const result = await scanArtifacts([file], []);
      expect(result.findings).toHaveLength(1);
    } finally {
      process.umask(umask);
    }
    expect((await stat(file)).mode & 0o7777).toBe(0o775);
  });

  it('changes only the bytes of the secret in a file that is not UTF-8', async () => {
    const file = join(dir, 'latin1.txt');
    const key = `AKIA${'ABCDEFGHIJKLMNOP'}`;
    const before = Buffer.concat([
      Buffer.from([0xe9, 0xff, 0x0a]),
      Buffer.from(`key ${key}\n`),
      Buffer.from([0xc3, 0x28]),
    ]);
    await writeFile(file, before);
    const result = await scanArtifacts([file], []);
    expect(result.findings).toEqual([{ file, findings: [{ kind: 'aws-access-key', line: 2 }] }]);
    expect(await readFile(file)).toEqual(
      Buffer.concat([
        Buffer.from([0xe9, 0xff, 0x0a]),
        Buffer.from(`key ${REDACTED}\n`),
        Buffer.from([0xc3, 0x28]),
      ]),
    );
  });

  it('finds a known value with non-ASCII characters by its UTF-8 bytes', async () => {
    const file = join(dir, 'notes.txt');
    const value = `pässwörd-${word(10)}`;
    await writeFile(file, `é ${value} ü\n`);
    const result = await scanArtifacts([file], [{ name: 'APP_PASSWORD', value }]);
    expect(result.findings).toEqual([
      { file, findings: [{ kind: 'known-value', line: 1, name: 'APP_PASSWORD' }] },
    ]);
    expect(await readFile(file, 'utf8')).toBe(`é ${REDACTED} ü\n`);
  });

  it('passes over a missing file silently', async () => {
    const result = await scanArtifacts([join(dir, 'missing.txt'), join(dir, 'no-dir', 'x.txt')], []);
    expect(result).toEqual({ findings: [], skipped: [] });
  });

  it('skips a binary file with its reason, and leaves it alone', async () => {
    const file = join(dir, 'image.png');
    const bytes = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x1a]),
      Buffer.from(` ${anthropicKey}`),
    ]);
    await writeFile(file, bytes);
    const result = await scanArtifacts([file], []);
    expect(result).toEqual({
      findings: [],
      skipped: [{ file, reason: 'binary (a NUL byte in its first 8 KiB)' }],
    });
    expect(await readFile(file)).toEqual(bytes);
  });

  it('scans a file whose first NUL byte comes after 8 KiB', async () => {
    const file = join(dir, 'late-nul.txt');
    await writeFile(
      file,
      Buffer.concat([Buffer.from(`${anthropicKey}\n${'x'.repeat(9000)}`), Buffer.from([0])]),
    );
    const result = await scanArtifacts([file], []);
    expect(result.findings).toEqual([{ file, findings: [{ kind: 'anthropic-key', line: 1 }] }]);
  });

  it('skips a file over 16 MiB with its reason', async () => {
    const file = join(dir, 'huge.log');
    await writeFile(file, `${anthropicKey}\n`);
    await truncate(file, 16 * 1024 * 1024 + 1);
    const result = await scanArtifacts([file], []);
    expect(result.findings).toEqual([]);
    expect(result.skipped).toEqual([{ file, reason: `larger than 16 MiB (${16 * 1024 * 1024 + 1} bytes)` }]);
  });

  it('skips a symbolic link and a FIFO without following or blocking', async () => {
    const target = join(dir, 'target.txt');
    await writeFile(target, `${anthropicKey}\n`);
    const link = join(dir, 'link.txt');
    await symlink(target, link);
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const result = await scanArtifacts([link, fifo, dir], []);
    expect(result).toEqual({
      findings: [],
      skipped: [
        { file: link, reason: 'a symbolic link (not followed)' },
        { file: fifo, reason: 'not a regular file' },
        { file: dir, reason: 'not a regular file' },
      ],
    });
    expect(await readFile(target, 'utf8')).toBe(`${anthropicKey}\n`);
  });

  it('leaves a clean file byte-identical, its mtime unchanged', async () => {
    const file = join(dir, 'clean.diff');
    const text = patch('not-a-key').replace('apiKey', 'apiKeyName');
    await writeFile(file, text);
    const past = new Date('2024-01-02T03:04:05Z');
    await utimes(file, past, past);
    const before = await stat(file);
    const result = await scanArtifacts([file], [{ name: 'API_TOKEN', value: 'absent-value' }]);
    expect(result).toEqual({ findings: [], skipped: [] });
    const after = await stat(file);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('reports each file in the order given', async () => {
    const a = join(dir, 'a.txt');
    const b = join(dir, 'b.txt');
    const c = join(dir, 'c.txt');
    await writeFile(a, `x\nghp_${word(36)}\n`);
    await writeFile(b, 'nothing here\n');
    await writeFile(c, `xoxb-${word(30)}\n`);
    const result = await scanArtifacts([c, b, a], []);
    expect(result.findings).toEqual([
      { file: c, findings: [{ kind: 'slack-token', line: 1 }] },
      { file: a, findings: [{ kind: 'github-token', line: 2 }] },
    ]);
  });
});
