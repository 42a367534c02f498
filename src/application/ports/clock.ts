// The time as the use cases read it: given to them rather than read from the platform, so that a
// test can drive a restart window or a backoff without waiting for it.
export interface Clock {
  // Milliseconds since the epoch, as Date.now().
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
