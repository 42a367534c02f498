// Follows an interactive agent's screen: whenever its pane prints, the screen is captured (once
// the output pauses for a moment) and classified with the agent's profile. A slow tick covers
// what prints nothing (a hook file, a screen that changed just before the watch began).
import type { AgentProfile, ScreenState } from '../../domain/agents/profile.js';
import { classifyScreen } from '../../domain/agents/screen-classifier.js';
import type { PanePort } from '../ports/tmux.js';
import type { WorkerChannel } from '../workers/worker-channel.js';

const DEBOUNCE_MS = 80;
const TICK_MS = 500;

export interface ScreenReading {
  readonly state: ScreenState | 'unknown';
  readonly screen: string;
}

export class ScreenWatch {
  private wake: (() => void) | null = null;
  private readonly stop: () => void;
  private debounce: NodeJS.Timeout | null = null;

  constructor(
    private readonly pane: PanePort,
    channel: WorkerChannel,
    private readonly profile: AgentProfile,
  ) {
    this.stop = channel.onActivity(() => {
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.wake?.(), DEBOUNCE_MS);
    });
  }

  close(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.stop();
  }

  async read(): Promise<ScreenReading> {
    const screen = await this.pane.capture();
    return { state: classifyScreen(this.profile, screen), screen };
  }

  // Reads the screen after each burst of output (and every TICK_MS) until `done` returns a value.
  async until<T>(
    done: (reading: ScreenReading) => T | null | Promise<T | null>,
    timeoutMs: number,
  ): Promise<T | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await done(await this.read());
      if (value !== null) return value;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(TICK_MS, left));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  // The idle prompt once its screen has not changed for `quietMs` (null: it kept changing until
  // `timeoutMs`): a TUI that has just started may redraw once more, and a paste then is lost.
  untilQuietPrompt(quietMs: number, timeoutMs: number): Promise<ScreenReading | null> {
    let last: string | null = null;
    let since = Date.now();
    return this.until((r) => {
      if (r.state !== 'idle' || r.screen !== last) {
        last = r.state === 'idle' ? r.screen : null;
        since = Date.now();
        return null;
      }
      return Date.now() - since >= quietMs ? r : null;
    }, timeoutMs);
  }
}
