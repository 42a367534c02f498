// A project named by a glob (a token's `--projects`, a budget's per-project limit): matched against
// the project's absolute path, and a glob without a slash also against its last segment (`api`
// is the project /srv/api).
import { basename } from 'node:path';
import picomatch from 'picomatch';

export function projectMatches(glob: string, project: string): boolean {
  return (
    picomatch.isMatch(project, glob, { dot: true }) ||
    (!glob.includes('/') && picomatch.isMatch(basename(project), glob, { dot: true }))
  );
}
