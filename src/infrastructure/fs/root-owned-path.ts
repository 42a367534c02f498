// Gemini CLI reads a system settings file (GEMINI_CLI_SYSTEM_SETTINGS_PATH) only when root owns it
// and every directory above it, none writable by group or others (its isFileAndDirectorySecure,
// 0.61.0); otherwise it skips the file with a warning on screen. This tells beforehand whether a
// file at `path` would be read: in practice, a controller running as root with its home on a
// path only root can write.
import { lstatSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

const GROUP_OR_OTHER_WRITE = 0o022;

// Whether `dir` and each directory above it is owned by root and writable by root alone.
export function isRootOnlyPath(dir: string): boolean {
  let current: string;
  try {
    current = realpathSync(dir);
  } catch {
    return false;
  }
  for (;;) {
    try {
      const stat = lstatSync(current);
      if (stat.uid !== 0 || (stat.mode & GROUP_OR_OTHER_WRITE) !== 0) return false;
    } catch {
      return false;
    }
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}
