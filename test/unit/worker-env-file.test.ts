// The worker's env file sourced by a real bash, the way the worker rc sources it: what the pane
// must not inherit is gone (named, or by prefix), what the worker was given is set.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFileText } from '../../src/domain/worker-pane/worker-shell.js';
import { gemini } from '../../src/domain/agents/gemini.js';

const dir = mkdtempSync(join(tmpdir(), 'tmuxorch-env-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The variables the sourced file leaves, from a bash started with `inherited` in its environment.
function sourced(text: string, inherited: Record<string, string>): Record<string, string> {
  const file = join(dir, `env-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text, { mode: 0o600 });
  const run = spawnSync('bash', ['--noprofile', '--norc', '-c', `. "$1" && env -0`, 'bash', file], {
    env: { PATH: process.env.PATH ?? '', ...inherited },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return Object.fromEntries(
    run.stdout
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('the worker env file', () => {
  it("unsets what gemini's TUI takes for CI, by name and by prefix, and keeps the rest", () => {
    const env = sourced(envFileText({ GEMINI_MODEL: 'gemini-x' }, gemini.interactive?.unsetEnv ?? []), {
      CI: 'true',
      CONTINUOUS_INTEGRATION: '1',
      CI_JOB_ID: '7',
      CI_COMMIT_SHA: 'abc',
      GITHUB_ACTIONS: 'true',
      CIRCLE: 'kept',
    });
    expect(
      Object.keys(env).filter(
        (name) => name === 'CI' || name.startsWith('CI_') || name === 'CONTINUOUS_INTEGRATION',
      ),
    ).toEqual([]);
    expect(env).toMatchObject({ GEMINI_MODEL: 'gemini-x', GITHUB_ACTIONS: 'true', CIRCLE: 'kept' });
    expect(env).not.toHaveProperty('__tmuxorch_v');
  });

  it('sets a variable the worker was given even when the profile unsets its name', () => {
    const env = sourced(envFileText({ CI: 'given', VALUE: "it's $HOME" }, ['CI']), { CI: 'inherited' });
    expect(env).toMatchObject({ CI: 'given', VALUE: "it's $HOME" });
  });

  it('refuses a name the shell cannot take', () => {
    expect(() => envFileText({}, ['CI;rm'])).toThrow(RangeError);
    expect(() => envFileText({}, ['C*I'])).toThrow(RangeError);
  });
});
