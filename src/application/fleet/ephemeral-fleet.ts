// An ephemeral fleet's backend: an in-process controller whose tmux session is stamped with its
// owner's pid (ephemeral-sessions.ts); the composition root opens one (openEphemeralFleet).
import { releaseSession } from './ephemeral-sessions.js';
import { InProcessBackend } from './in-process-backend.js';

export class EphemeralBackend extends InProcessBackend {
  // A session kept to look at is the user's now: no later ephemeral fleet may sweep it away.
  override async close(options: { keepWorkers?: boolean } = {}): Promise<void> {
    if (options.keepWorkers)
      await releaseSession(this.controller.rt.server, this.controller.rt.settings.session).catch(
        () => undefined,
      );
    await super.close(options);
  }
}
