// Whether an installed agent CLI is a version its profile was verified with. Versions are read
// from `X --version` output ("2.1.197 (Claude Code)", "codex-cli 0.171.0") as their first
// dotted number and compared numerically, part by part.
import type { VersionRange } from './profile.js';

export type VersionFit = 'verified' | 'older' | 'newer' | 'unknown';

const VERSION = /(\d+)\.(\d+)(?:\.(\d+))?/;

// The first `major.minor[.patch]` in a CLI's version output, or null.
export function parseVersion(text: string): string | null {
  const match = VERSION.exec(text);
  return match ? `${match[1]}.${match[2]}.${match[3] ?? '0'}` : null;
}

function parts(version: string): number[] {
  return version.split('.').map((p) => Number.parseInt(p, 10) || 0);
}

// Negative when a < b, 0 when equal, positive when a > b.
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

// Where a found version stands against the verified range.
export function versionFit(range: VersionRange, found: string | null): VersionFit {
  if (found === null) return 'unknown';
  if (compareVersions(found, range.min) < 0) return 'older';
  if (compareVersions(found, range.max) > 0) return 'newer';
  return 'verified';
}

// "2.1.197" for a one-version range, else "0.169.0–0.171.0".
export function describeRange(range: VersionRange): string {
  return range.min === range.max ? range.min : `${range.min}–${range.max}`;
}
