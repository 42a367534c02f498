// A fixed-window counter per key (a token id + client address, or a client address alone for
// failed logins): at most `max` hits per `windowMs`; over it, the seconds until the window ends
// (the Retry-After the answer carries). Old windows are dropped as the map grows, so a client
// cycling through keys cannot grow it without bound.
export interface RateLimit {
  readonly max: number;
  readonly windowMs: number;
}

const SWEEP_AT_KEYS = 10_000;

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  // Counts a hit for `key`: 0 when allowed, else the whole seconds to wait.
  hit(key: string): number {
    const window = this.current(key);
    window.count += 1;
    return window.count > this.limit.max ? this.retryAfter(window.start) : 0;
  }

  // Whether `key` is over its limit now, without counting a hit: 0 or the seconds to wait.
  blocked(key: string): number {
    const window = this.windows.get(key);
    if (!window || this.now() - window.start >= this.limit.windowMs) return 0;
    return window.count >= this.limit.max ? this.retryAfter(window.start) : 0;
  }

  private current(key: string): { start: number; count: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.limit.windowMs) {
      if (!window && this.windows.size >= SWEEP_AT_KEYS) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  private retryAfter(start: number): number {
    return Math.max(1, Math.ceil((start + this.limit.windowMs - this.now()) / 1000));
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows)
      if (now - window.start >= this.limit.windowMs) this.windows.delete(key);
  }
}
