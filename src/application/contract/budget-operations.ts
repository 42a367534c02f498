// The budget's operation of the table (operations.ts spreads it in): spend against the daily
// limits of config.json's `budget`, and the agent work a reached limit holds (application/budget/).
import { op } from './operation.js';

export const budgetOperations = {
  budget: op('budget', {
    summary:
      "a day's agent spend (reported cost, agent calls) against the fleet's and each project's daily limits, and the agent work a reached limit holds",
    mutates: false,
    errors: ['USAGE'],
    cli: 'budget',
    api: 'budget',
    run: ({ fleet }, p) => fleet.budget(p),
  }),
};
