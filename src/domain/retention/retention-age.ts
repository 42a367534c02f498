// Ages as people write them (`7d`, `12h`, `30m`, `90s`, `0s`): `prune --older-than` and its
// operation input take one, so the CLI, HTTP and MCP callers say the same thing the same way.
import { UsageError } from '../errors.js';

export const AGE_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DAY_MS = UNIT_MS.d;

// `7d` → 604800000. Zero is an age too: `--older-than 0s` is everything finished.
export function parseAge(text: string, field = 'olderThan'): number {
  const match = AGE_PATTERN.exec(text.trim());
  if (!match)
    throw new UsageError(`${field} takes an age such as 7d, 12h, 30m or 0s (got "${text}")`, {
      [field]: text,
    });
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

// 604800000 → `7d`, 5400000 → `1.5h`: the largest unit that reads as a short number.
export function formatAge(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const amount = ms / UNIT_MS[unit];
    if (amount >= 1) return `${Number(amount.toFixed(1))}${unit}`;
  }
  return ms <= 0 ? '0s' : `${Math.round(ms)}ms`;
}

// 1536 → `1.5 KiB`.
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${Number(value.toFixed(1))} ${units[unit] ?? 'B'}`;
}
