// A permission rule: what a role may do, as data. A role's rules are an ordered list; the last
// rule that matches a request decides (so a later, narrower rule overrides an earlier, broader
// one, as in a .gitignore). Nothing matching falls back to the action's default below.
import { z } from 'zod';

export const POLICY_ACTIONS = ['bash', 'edit', 'read', 'commit', 'push', 'net'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const EFFECTS = ['allow', 'deny', 'ask'] as const;
export type Effect = (typeof EFFECTS)[number];

// What no matching rule means. Edits, commits and pushes change what others receive: denied.
// A command nobody foresaw is asked about. Reading is what every role does. The network is
// denied (only a sandbox can hold that line; see enforcement.ts).
export const DEFAULT_EFFECT: Readonly<Record<PolicyAction, Effect>> = {
  bash: 'ask',
  edit: 'deny',
  read: 'allow',
  commit: 'deny',
  push: 'deny',
  net: 'deny',
};

// How strict an effect is, for a command line of several commands: the strictest part decides.
export const STRICTNESS: Readonly<Record<Effect, number>> = { allow: 0, ask: 1, deny: 2 };

export interface Rule {
  readonly action: PolicyAction;
  // bash: a command pattern (`*` = any text; `npm test *` also matches `npm test` alone).
  // edit / read: a path glob, relative to the workspace (`src/**`); an absolute glob (`/**`)
  // matches only paths outside it; `${step_dir}` is the step's own directory (its outputs).
  // commit / push / net: `*` (net: a host glob, for the sandbox's all-or-nothing switch).
  readonly pattern: string;
  readonly effect: Effect;
}

export const ruleSchema = z
  .object({
    action: z.enum(POLICY_ACTIONS, { error: `must be one of ${POLICY_ACTIONS.join(', ')}` }),
    pattern: z.string().min(1, 'must not be empty').default('*'),
    effect: z.enum(EFFECTS, { error: `must be one of ${EFFECTS.join(', ')}` }),
  })
  .strict();

// `bash deny rm -rf *` in a list is easier to read than an object: both shapes are accepted.
export const ruleInputSchema = z.union([
  ruleSchema,
  z
    .string()
    .regex(/^\s*(bash|edit|read|commit|push|net)\s+(allow|deny|ask)(\s+.+)?$/, {
      error: 'must be "ACTION EFFECT [PATTERN]", e.g. "bash allow npm test *"',
    })
    .transform((text): Rule => {
      const [, action, effect, pattern] = /^\s*(\S+)\s+(\S+)\s*(.*)$/.exec(text) ?? [];
      return {
        action: action as PolicyAction,
        effect: effect as Effect,
        pattern: pattern?.trim() || '*',
      };
    }),
]);

export function ruleText(rule: Rule): string {
  return `${rule.action} ${rule.effect} ${rule.pattern}`;
}
