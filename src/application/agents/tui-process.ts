// An interactive agent's TUI runs in its worker's shell, typed with a ready probe after it:
//
//   claude --session-id <id> …; printf '\n%s%s\n' '---READY' '-<probe>---'
//
// so the shell prints the probe's line the moment the TUI exits, however it exits (a crash at
// start-up, a human's Ctrl-C). The pane log carries that line and the worker channel reports it:
// an event, not a poll. An exit is reported at once: the last lines the TUI printed become the
// worker's `lastError`, and the task waiting on the TUI fails with them instead of waiting for a
// prompt that will never come. A TUI started by an earlier controller has no probe waited on:
// the interactive driver then sees its shell in the pane and starts it again through here.
import { nanoid } from 'nanoid';
import type { ProfileRegistry } from '../../domain/agents/registry.js';
import { lastPrintedLines } from '../../domain/agents/screen-classifier.js';
import { buildReadyProbe, readyMarker } from '../../domain/marker.js';
import type { Worker } from '../../domain/worker.js';
import { toShellCommand } from '../../infrastructure/tmux/argv.js';
import type { TmuxPort } from '../ports/tmux.js';
import type { FleetStore } from '../fleet/fleet-store.js';
import { ScreenWatch } from './screen-watch.js';
import type { WorkerChannel } from '../workers/worker-channel.js';

// How long a start waits for the TUI's first recognised screen (or its exit) before it lets the
// caller go on: a cold start of gemini takes ~3 s on a loaded machine, claude's ~1 s.
export const TUI_START_WAIT_MS = 15_000;
// A probe is waited on for the TUI's whole life (setTimeout's largest delay, ~24 days).
const FOREVER_MS = 2 ** 31 - 1;

interface Launch {
  readonly probeId: string;
  readonly startedAtMs: number;
  exited: boolean;
  // The exit's reason, once the screen was read after it.
  report: Promise<string> | null;
}

export interface TuiDeps {
  readonly store: FleetStore;
  readonly server: TmuxPort;
  readonly profiles: ProfileRegistry;
  readonly channel: (workerId: string) => WorkerChannel | undefined;
  readonly redact: (workerId: string, text: string) => string;
  // The TUI's argv for the worker (a new conversation, or its own resumed).
  readonly tuiArgv: (worker: Worker) => string[];
}

export class TuiProcesses {
  private readonly launches = new Map<string, Launch>();

  constructor(private readonly deps: TuiDeps) {}

  // Types the TUI's command line into the worker's shell and waits until its screen is one the
  // profile recognises, or it exited (then its reason is returned, and is the worker's lastError),
  // or TUI_START_WAIT_MS passed.
  async start(worker: Worker, paneId: string, waitMs = TUI_START_WAIT_MS): Promise<string | null> {
    const channel = this.deps.channel(worker.id);
    const profile = this.deps.profiles.require(worker.type);
    const pane = this.deps.server.pane(paneId);
    const line = toShellCommand(this.deps.tuiArgv(worker));
    if (!channel) {
      await pane.sendText(line);
      return null;
    }
    const previous = this.launches.get(worker.id);
    if (previous) channel.forget(previous.probeId);
    const probeId = `t${nanoid(10).replace(/[^A-Za-z0-9]/g, '0')}`;
    const launch: Launch = { probeId, startedAtMs: Date.now(), exited: false, report: null };
    this.launches.set(worker.id, launch);
    // Waited on before anything is typed: a TUI that fails at once prints the probe at once.
    const exit = channel.waitReady(probeId, FOREVER_MS).then((seen) => {
      if (!seen || this.launches.get(worker.id) !== launch) return null;
      launch.exited = true;
      launch.report = this.report(worker.id, paneId, probeId, profile.displayName);
      return launch.report;
    });
    await pane.sendText(`${line}; ${buildReadyProbe(probeId)}`);
    const watch = new ScreenWatch(pane, channel, profile);
    try {
      const up = watch.until(
        (r) => (launch.exited || (r.state !== 'unknown' && r.state !== 'crashed') ? true : null),
        waitMs,
      );
      // The loser of the race may still fail (its pane gone): nobody waits for it then.
      up.catch(() => undefined);
      await Promise.race([up, exit]);
    } finally {
      watch.close();
    }
    return this.exitReason(worker.id);
  }

  // Whether the worker's TUI was started here less than `ms` ago (it may still be drawing).
  startedWithin(workerId: string, ms: number): boolean {
    const launch = this.launches.get(workerId);
    return launch !== undefined && Date.now() - launch.startedAtMs < ms;
  }

  // Whether the worker's TUI, as started here last, has exited since.
  hasExited(workerId: string): boolean {
    return this.launches.get(workerId)?.exited === true;
  }

  // Why the worker's TUI exited (its last lines), or null while it runs (or was not started here).
  async exitReason(workerId: string): Promise<string | null> {
    const launch = this.launches.get(workerId);
    return launch?.exited ? ((await launch.report) ?? null) : null;
  }

  // Forgets a worker (removed): its probe is no longer waited on.
  forget(workerId: string): void {
    const launch = this.launches.get(workerId);
    if (launch) this.deps.channel(workerId)?.forget(launch.probeId);
    this.launches.delete(workerId);
  }

  // Reads what the TUI printed last (between its typed command line and the probe's line) and
  // records it as the worker's lastError.
  private async report(workerId: string, paneId: string, probeId: string, name: string): Promise<string> {
    const marker = readyMarker(probeId);
    const screen = await this.deps.server
      .pane(paneId)
      .capture()
      .catch(() => '');
    const lines = lastPrintedLines(
      screen,
      (l) => l.includes(probeId) && l !== marker,
      (l) => l === marker,
    );
    const said = this.deps.redact(workerId, lines.join(' · '));
    const reason = said ? `${name} exited: ${said}` : `${name} exited`;
    const worker = this.deps.store.worker(workerId);
    if (worker && worker.state !== 'stopped') this.deps.store.putWorker({ ...worker, lastError: reason });
    return reason;
  }
}
