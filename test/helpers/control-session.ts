// For tests of tmux's control mode: before each test a private tmux server with a session `test`
// and a scratch dir; after it, the control client the test connected is closed, the server
// killed and the dir removed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  ControlTransport,
  type ControlConnectOptions,
} from '../../src/infrastructure/tmux/control-transport.js';
import { createTestTmuxServer, type TestTmuxServer } from './tmux-server.js';

export interface ControlSession {
  readonly server: TestTmuxServer;
  readonly dir: string;
  // A control client attached to session `test` (one a test; closed after it).
  connect(options?: Partial<ControlConnectOptions>): Promise<ControlTransport>;
}

// Call inside a describe: it registers the beforeEach and afterEach. `dirPrefix` names the dir.
export function useControlSession(dirPrefix: string): ControlSession {
  let server: TestTmuxServer | undefined;
  let dir: string | undefined;
  let transport: ControlTransport | undefined;

  beforeEach(async () => {
    server = createTestTmuxServer();
    await server.startSession('test');
    dir = await mkdtemp(join(tmpdir(), dirPrefix));
  });

  afterEach(async () => {
    await transport?.close();
    transport = undefined;
    await server?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const made = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useControlSession: used outside a test');
    return value;
  };
  return {
    get server() {
      return made(server);
    },
    get dir() {
      return made(dir);
    },
    connect: async (options = {}) => {
      transport = await ControlTransport.connect({
        socket: made(server).socket,
        session: 'test',
        ...options,
      });
      return transport;
    },
  };
}
