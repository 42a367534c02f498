// Retention's operation of the table (operations.ts spreads it in): finished runs, workflow runs,
// task outputs, queue jobs and logs past config.json's retention rules (or the request's) go;
// never anything unfinished, never a worktree holding unmerged work (application/retention/).
import { pruneFleet } from '../retention/fleet-retention.js';
import { op } from './operation.js';

export const retentionOperations = {
  prune: op('prune', {
    summary:
      'remove finished runs, workflow runs (with merged or pushed worktrees), task outputs, queue jobs and old logs past the retention rules; dryRun lists them only',
    mutates: true,
    errors: ['USAGE'],
    cli: 'prune',
    api: 'prune',
    run: ({ fleet }, p) => pruneFleet(fleet, p),
  }),
};
