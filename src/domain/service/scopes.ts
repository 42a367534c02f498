// What an HTTP token may do, as three nested scopes: `read` sees the fleet, `operate` also gives
// it work (tasks, approvals, workflow runs), `admin` also changes its shape and its daemon. Each
// scope includes the ones before it; which operation needs which is decided over the operation
// table (application/contract/operation-scopes.ts).

export const SCOPES = ['read', 'operate', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

// Whether a token of scope `have` may do what needs `need`.
export function scopeAllows(have: Scope, need: Scope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}
