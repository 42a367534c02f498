// The HTTP API's token store on real files: hashes only on disk (0600), verify, revoke, and a
// file changed by another process (the CLI while the daemon runs) read again.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenStore } from '../../src/infrastructure/service/token-store.js';
import { useTmpHomes } from '../helpers/tmp-home.js';

describe('TokenStore', () => {
  const homes = useTmpHomes();

  it('keeps only the hash, 0600, and verifies the text it gave once', async () => {
    const file = join((await homes.make()).dir, 'state', 'tokens.json');
    const store = new TokenStore(file);
    const { token, record } = await store.create({ name: 'ci', scope: 'operate', projects: ['/srv/**'] });
    expect(token).toMatch(/^tmx_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    expect(record).not.toHaveProperty('hash');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(15));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(store.verify(token)).toMatchObject({
      id: record.id,
      name: 'ci',
      scope: 'operate',
      projects: ['/srv/**'],
    });
    expect(store.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(store.verify('tmx_nope')).toBeNull();
    expect(store.list()[0]).not.toHaveProperty('hash');
  });

  it('refuses a second live token of a name, revokes by id or name', async () => {
    const file = join((await homes.make()).dir, 'tokens.json');
    const store = new TokenStore(file);
    const a = await store.create({ name: 'a', scope: 'read', projects: [] });
    await expect(store.create({ name: 'a', scope: 'read', projects: [] })).rejects.toMatchObject({
      code: 'USAGE',
    });
    expect((await store.revoke('a')).revokedAt).not.toBeNull();
    expect(store.verify(a.token)).toBeNull();
    const b = await store.create({ name: 'b', scope: 'admin', projects: [] });
    await store.revoke(b.record.id);
    expect(store.verify(b.token)).toBeNull();
    await expect(store.revoke('nobody')).rejects.toMatchObject({ code: 'TOKEN_NOT_FOUND' });
  });

  it("sees what another process wrote (the daemon's store, the CLI's writes)", async () => {
    const file = join((await homes.make()).dir, 'tokens.json');
    const daemon = new TokenStore(file);
    const cli = new TokenStore(file);
    expect(daemon.list()).toEqual([]);
    const made = await cli.create({ name: 'late', scope: 'read', projects: [] });
    expect(daemon.verify(made.token)?.name).toBe('late');
    await new TokenStore(file).revoke('late');
    expect(daemon.verify(made.token)).toBeNull();
  });
});
