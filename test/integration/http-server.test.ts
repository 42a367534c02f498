// The HTTP server itself, without a daemon: binds beyond loopback refused without TLS, and TLS
// served from PEM files (a self-signed certificate made here with openssl).
import { request } from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { FleetController } from '../../src/application/fleet/fleet-controller.js';
import { checkBind, isLoopbackHost, startHttpServer } from '../../src/controller/http/http-server.js';
import { silentLogger } from '../../src/infrastructure/logs/logger.js';
import { TokenStore } from '../../src/infrastructure/service/token-store.js';
import { useTmpHomes } from '../helpers/tmp-home.js';

// /health and the refusals never reach the fleet.
const noFleet = {} as FleetController;

describe('startHttpServer', () => {
  const homes = useTmpHomes();

  it('refuses a non-loopback bind without TLS or insecureBind, by code', async () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(() => checkBind('0.0.0.0', undefined, false)).toThrow(
      expect.objectContaining({ code: 'HTTP_BIND_REFUSED' }),
    );
    expect(() => checkBind('0.0.0.0', { cert: 'c', key: 'k' }, false)).not.toThrow();
    expect(() => checkBind('192.168.1.9', undefined, true)).not.toThrow();
    const dir = (await homes.make()).dir;
    await expect(
      startHttpServer({
        fleet: noFleet,
        tokens: new TokenStore(join(dir, 'tokens.json')),
        logger: silentLogger,
        host: '0.0.0.0',
        port: 0,
      }),
    ).rejects.toMatchObject({ code: 'HTTP_BIND_REFUSED' });
  });

  it('serves TLS from PEM files', async () => {
    const dir = (await homes.make()).dir;
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    const server = await startHttpServer({
      fleet: noFleet,
      tokens: new TokenStore(join(dir, 'tokens.json')),
      logger: silentLogger,
      host: '127.0.0.1',
      port: 0,
      tls: { cert, key },
    });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${server.url}/v1/status`, { rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    } finally {
      await server.close();
    }
  });
});
