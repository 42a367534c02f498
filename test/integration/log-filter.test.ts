// The pane-log filter (perl) cuts out what the JavaScript redactor cuts out, also when a secret
// arrives split over two writes, reads its values from a file it deletes, and passes the rest
// byte for byte (markers, escape sequences, UTF-8).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretName, isSecretValue } from '../../src/domain/redact.js';
import { buildLogFilterScript, logFilterValues } from '../../src/domain/worker-pane/log-filter.js';
import { useTmpHomes } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

// Feeds `chunks` to the filter one write at a time (waiting `gapMs` between) and returns its output.
async function filter(
  dir: string,
  values: string[],
  chunks: string[],
  options: { gapMs?: number; holdMs?: number; waitFor?: string } = {},
): Promise<string> {
  const { gapMs = 0, holdMs } = options;
  const script = join(dir, 'filter.pl');
  const valuesFile = join(dir, 'values');
  await writeFile(script, buildLogFilterScript());
  await writeFile(valuesFile, logFilterValues(values));
  const args = ['--', script, valuesFile, ...(holdMs === undefined ? [] : [String(holdMs)])];
  const child = spawn('perl', args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  for (const chunk of chunks) {
    child.stdin.write(chunk);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const expected = options.waitFor;
  if (expected !== undefined)
    await waitFor(() => Buffer.concat(out).toString('utf8').endsWith(expected), { message: 'flushed' });
  child.stdin.end();
  await closed;
  expect(existsSync(valuesFile), 'the values file is deleted once read').toBe(false);
  return Buffer.concat(out).toString('utf8');
}

const SAMPLES = [
  'plain text, no secret at all: ---END-OF-OUTPUT-t-1:0@1700000000.1---',
  'token ghp_abcdefghijklmnopqrstuvwxyz0123456789 here',
  'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv',
  'key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA-BBBB and sk-proj-abcdefghijklmnop',
  'curl -H "Authorization: Bearer abc.def-ghi_jkl" https://x',
  'postgres://app:s3cr3t-pw@db:5432/app and https://user:tok@github.com/o/r.git',
  'export DB_PASSWORD=hunter2hunter; DATABASE_URL=mysql://x:y@h/db GITHUB_TOKEN="quoted-value"',
  'AKIAABCDEFGHIJKLMNOP is an aws id; AIza0123456789abcdefghijklmnopqrstuvwxy',
  'ünïcödé \u001b[31mred\u001b[0m max_tokens=5 TOKEN_COUNT is fine',
];

describe('the pane-log filter', () => {
  const homes = useTmpHomes('tmuxorch-filter-');

  it('redacts exactly what the JavaScript redactor does', async () => {
    const tmp = await homes.make();
    const values = ['my-known-secret-value', 'another one with spaces'];
    const text = [...SAMPLES, 'known: my-known-secret-value / another one with spaces'].join('\n') + '\n';
    expect(await filter(tmp.dir, values, [text])).toBe(createRedactor(values)(text));
  });

  it('catches a secret split over two writes', async () => {
    const tmp = await homes.make();
    const secret = 'my-known-secret-value';
    const chunks = ['echo my-known-', 'secret-value\n$ ', 'sk-ant-api03-', 'AAAAAAAAAAAAAAAAAAAAAA\n'];
    const out = await filter(tmp.dir, [secret], chunks, { gapMs: 30, holdMs: 10_000 });
    expect(out).toBe('echo ***\n$ ***\n');
  });

  it('writes a held tail out when no more input comes (a prompt, a progress bar)', async () => {
    const tmp = await homes.make();
    // Still open: only the hold timeout can have written `50%` out.
    expect(await filter(tmp.dir, [], ['working... 50%'], { waitFor: '50%' })).toBe('working... 50%');
  });

  it('knows connection strings and URL passwords as secrets', () => {
    expect(isSecretName('DATABASE_URL')).toBe(true);
    expect(isSecretName('REDIS_DSN')).toBe(true);
    expect(isSecretName('API_URL')).toBe(false);
    expect(isSecretValue('postgres://u:pw@h/db')).toBe(true);
    expect(isSecretValue('postgres://u@h/db')).toBe(false);
    expect(isSecretValue('https://example.com:8443/a@b')).toBe(false);
  });
});
