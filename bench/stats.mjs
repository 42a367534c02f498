// Small statistics and timing helpers shared by the benchmark modules.
import { performance } from 'node:perf_hooks';

// Wall-clock milliseconds with sub-ms resolution (comparable with bash's $EPOCHREALTIME).
export function wallMs() {
  return performance.timeOrigin + performance.now();
}

// Monotonic milliseconds, for durations.
export function monoMs() {
  return performance.now();
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Rejects after `ms` with a message naming what did not happen: every wait in the bench is bounded.
export function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// Nearest-rank percentile of sorted numbers (p95 of 100 samples = the 95th smallest).
function nearestRank(sorted, q) {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

// { n, p50, p95, mean, min, max } of a list of samples; p50 is the median.
export function summarize(samples) {
  const sorted = [...samples].filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n: 0, p50: null, p95: null, mean: null, min: null, max: null };
  const mid = Math.floor(n / 2);
  const p50 = n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((a, b) => a + b, 0) / n;
  return { n, p50, p95: nearestRank(sorted, 0.95), mean, min: sorted[0], max: sorted[n - 1] };
}

// Rounds for JSON and the table: 3 significant decimals below 10, 1 decimal above.
export function round(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const abs = Math.abs(value);
  const digits = abs < 1 ? 3 : abs < 10 ? 2 : abs < 1000 ? 1 : 0;
  return Number(value.toFixed(digits));
}

// A side of a figure for results.json: {p50, p95, n} from samples, or a single number.
export function side(samplesOrNumber) {
  if (typeof samplesOrNumber === 'number' || samplesOrNumber === null) return round(samplesOrNumber);
  const s = summarize(samplesOrNumber);
  return { p50: round(s.p50), p95: round(s.p95), n: s.n };
}

// The median of a side (an object from side() or a single number).
export function centre(value) {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : value.p50;
}

// Runs `fn` over the list with at most `limit` calls in flight; keeps the order of results.
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}
