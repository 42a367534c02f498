// An ephemeral fleet: a controller in this process, in a tmux session of its own that it owns
// (ephemeral-sessions.ts says why each is stamped with its owner's pid). Opening one also removes
// the sessions, and the state homes, that owners killed outright left behind.
import { rm } from 'node:fs/promises';
import { sep } from 'node:path';
import { claimSession, releaseSession, removeOrphanSessions } from './ephemeral-sessions.js';
import { InProcessBackend } from './in-process-backend.js';
import { openFleet, type OpenFleetOptions } from './open-fleet.js';

export interface EphemeralFleetOptions extends OpenFleetOptions {
  // Where ephemeral fleets keep their state homes: an orphan's home there is removed with it.
  readonly ephemeralHomesDir: string;
}

export class EphemeralBackend extends InProcessBackend {
  static async open(options: EphemeralFleetOptions): Promise<EphemeralBackend> {
    const controller = await openFleet(options);
    const { server } = controller.rt;
    try {
      await claimSession(server, options.settings.session, process.pid);
      const homes = options.ephemeralHomesDir + sep;
      for (const orphan of await removeOrphanSessions(server)) {
        if (orphan.home.startsWith(homes)) await rm(orphan.home, { recursive: true, force: true });
      }
    } catch (error) {
      await controller.shutdown({ killWorkers: true }).catch(() => undefined);
      throw error;
    }
    return new EphemeralBackend(controller);
  }

  // A session kept to look at is the user's now: no later ephemeral fleet may sweep it away.
  override async close(options: { keepWorkers?: boolean } = {}): Promise<void> {
    if (options.keepWorkers)
      await releaseSession(this.controller.rt.server, this.controller.rt.settings.session).catch(
        () => undefined,
      );
    await super.close(options);
  }
}
