// The policy operations of the table (operations.ts spreads them in): the tool hook's check and
// its wait for a person's answer, and the roles as each layer enforces them.
import { op } from './operation.js';

const WORKER = ['WORKER_NOT_FOUND', 'USAGE'] as const;

export const policyOperations = {
  policyCheck: op('policyCheck', {
    summary: "decide an agent's tool call by its worker's role (its PreToolUse hook asks)",
    mutates: true,
    errors: WORKER,
    cli: 'policy check',
    // A hook's question, not a user's: the Fleet API has approve/deny for the answers.
    api: null,
    run: ({ fleet }, p) => fleet.checkTool(p.worker, p.tool, p.input, p.cwd ?? null),
  }),
  policyAnswer: op('policyAnswer', {
    summary: 'the answer a person gave to what a tool hook asked (null: none yet)',
    mutates: true,
    errors: WORKER,
    cli: 'policy check',
    api: null,
    run: ({ fleet }, p) => ({ answer: fleet.approvalAnswer(p.worker, p.approval) }),
  }),
  roles: op('roles', {
    summary: 'the roles this fleet knows, built in and from config.json',
    mutates: false,
    errors: [],
    cli: 'roles',
    api: 'roles',
    run: ({ fleet }) => fleet.roles(),
  }),
  roleShow: op('roleShow', {
    summary: "a role's rules, and what each enforcement layer does with them for an agent type",
    mutates: false,
    errors: ['USAGE'],
    cli: 'roles show',
    api: 'role',
    run: ({ fleet }, p) => fleet.role(p.role, p.type ?? null),
  }),
};
