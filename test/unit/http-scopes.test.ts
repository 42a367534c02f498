// The HTTP API's scope algebra, the scope of each operation, the fixed-window rate limiter and
// the project globs of a limited token.
import { describe, expect, it } from 'vitest';
import { SCOPES, scopeAllows } from '../../src/domain/service/scopes.js';
import { operationScope } from '../../src/application/contract/operation-scopes.js';
import { OPERATION_NAMES, operations } from '../../src/application/contract/operations.js';
import { FixedWindowLimiter } from '../../src/controller/http/rate-limiter.js';
import { projectAllowed } from '../../src/controller/http/project-guard.js';

describe('scopes', () => {
  it('each scope includes the ones before it, and no more', () => {
    expect(scopeAllows('read', 'read')).toBe(true);
    expect(scopeAllows('read', 'operate')).toBe(false);
    expect(scopeAllows('operate', 'read')).toBe(true);
    expect(scopeAllows('operate', 'admin')).toBe(false);
    for (const need of SCOPES) expect(scopeAllows('admin', need)).toBe(true);
  });

  it('reads need read, other changes operate, the fleet itself admin', () => {
    for (const name of OPERATION_NAMES) {
      const scope = operationScope(name);
      if (!operations[name].mutates) expect(scope, name).toBe('read');
      else expect(scope, name).not.toBe('read');
    }
    expect(operationScope('stop')).toBe('admin');
    expect(operationScope('addWorker')).toBe('admin');
    expect(operationScope('removeWorker')).toBe('admin');
    expect(operationScope('send')).toBe('operate');
    expect(operationScope('flowRun')).toBe('operate');
    expect(operationScope('status')).toBe('read');
  });
});

describe('FixedWindowLimiter', () => {
  it('refuses past max in a window, says how long to wait, and forgets after it', () => {
    let now = 1_000_000;
    const limiter = new FixedWindowLimiter({ max: 2, windowMs: 10_000 }, () => now);
    expect(limiter.hit('a')).toBe(0);
    expect(limiter.hit('a')).toBe(0);
    expect(limiter.blocked('a')).toBe(10);
    expect(limiter.hit('a')).toBe(10);
    expect(limiter.hit('b')).toBe(0);
    now += 7_500;
    expect(limiter.hit('a')).toBe(3);
    now += 2_500;
    expect(limiter.blocked('a')).toBe(0);
    expect(limiter.hit('a')).toBe(0);
  });
});

describe('projectAllowed', () => {
  it('matches globs against the path, and slash-free ones against the last segment', () => {
    expect(projectAllowed([], '/srv/anything')).toBe(true);
    expect(projectAllowed(['/srv/api/**'], '/srv/api/v2')).toBe(true);
    expect(projectAllowed(['/srv/api'], '/srv/api')).toBe(true);
    expect(projectAllowed(['/srv/api'], '/srv/web')).toBe(false);
    expect(projectAllowed(['api', 'web-*'], '/home/me/web-shop')).toBe(true);
    expect(projectAllowed(['api'], '/home/me/apix')).toBe(false);
  });
});
