// For tests that open several things (temp dirs, tmux servers, fleets): each one is closed after
// the test, last opened first, whether the test passed or not; a cleanup that fails does not
// stop the others.
import { afterEach } from 'vitest';
import { newSocketName, createTestTmuxServer, type TestTmuxServer } from './tmux-server.js';
import { createTmpHome, type TmpHome } from './tmp-home.js';

export interface TestCleanups {
  push(cleanup: () => Promise<void>): void;
  // A temp dir and a private tmux server (not started), both gone after the test.
  tmpWithTmux(prefix: string): Promise<{ readonly tmp: TmpHome; readonly tmux: TestTmuxServer }>;
}

// Call at the top of a test file: it registers the afterEach.
export function useTestCleanups(): TestCleanups {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  const push = (cleanup: () => Promise<void>): void => {
    cleanups.push(cleanup);
  };
  return {
    push,
    async tmpWithTmux(prefix) {
      const tmp = await createTmpHome(prefix);
      const tmux = createTestTmuxServer(newSocketName());
      push(async () => {
        await tmux.kill();
        await tmp.remove();
      });
      return { tmp, tmux };
    },
  };
}
