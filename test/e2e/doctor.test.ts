// `tmuxorch doctor` through the built CLI (no daemon needed): tmux's version, the bundled sim
// agent found, logged in, and its TUI recognised by a canary in a scratch pane; a profile whose
// screen patterns no longer match the CLI is reported as stale, with exit 1.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { runJson } from './support.js';

interface Check {
  subject: string;
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix: string | null;
}

interface Report {
  healthy: boolean;
  checks: Check[];
}

let fleet: CliFleet | null = null;

afterEach(async () => {
  await fleet?.cleanup();
  fleet = null;
});

const find = (report: Report, subject: string, check: string): Check | undefined =>
  report.checks.find((c) => c.subject === subject && c.check === check);

describe('tmuxorch doctor', () => {
  it('checks tmux and the sim agent, canary included, and leaves no session behind', async () => {
    fleet = await createCliFleet();
    const { exitCode, body } = await runJson<Report>(fleet, ['doctor', '--type', 'sim']);
    expect(exitCode).toBe(0);
    expect(body.healthy).toBe(true);
    expect(find(body, 'tmux', 'version')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^tmux \d/),
    });
    expect(find(body, 'sim', 'installed')?.status).toBe('ok');
    expect(find(body, 'sim', 'auth')?.status).toBe('ok');
    expect(find(body, 'sim', 'screens')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('idle'),
    });
    const sessions = await fleet.tmux.tmux('list-sessions', '-F', '#{session_name}').catch(() => '');
    expect(sessions).not.toContain('tmuxorch-doctor');
  });

  it('says what to do when the agent is logged out, and exits 1', async () => {
    fleet = await createCliFleet({ env: { TMUXORCH_SIM_LOGGED_OUT: '1' } });
    const { exitCode, body, run } = await runJson<Report>(fleet, ['doctor', '--type', 'sim', '--no-canary']);
    expect(exitCode, run.stderr).toBe(1);
    expect(find(body, 'sim', 'auth')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('not logged in'),
    });
    expect(find(body, 'sim', 'screens')).toBeUndefined();
  });

  it('reports a profile whose screens it no longer recognises as stale', async () => {
    fleet = await createCliFleet();
    const stale = Object.fromEntries(
      ['idle', 'busy', 'awaiting_approval', 'auth_required', 'trust_prompt', 'rate_limited', 'crashed'].map(
        (s) => [s, ['^a screen of another version$']],
      ),
    );
    await mkdir(fleet.env.TMUXORCH_HOME ?? '', { recursive: true });
    await writeFile(
      join(fleet.env.TMUXORCH_HOME ?? '', 'config.json'),
      JSON.stringify({ agents: { sim: { screens: stale } } }),
    );
    const { exitCode, body } = await runJson<Report>(fleet, ['doctor', '--type', 'sim']);
    expect(exitCode).toBe(1);
    expect(find(body, 'sim', 'screens')).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('stale'),
    });
  }, 60_000);

  it('refuses an unknown type with USAGE (exit 2)', async () => {
    fleet = await createCliFleet();
    const { exitCode, body } = await runJson<{ error: { code: string } }>(fleet, [
      'doctor',
      '--type',
      'nosuch',
    ]);
    expect(exitCode).toBe(2);
    expect(body.error.code).toBe('USAGE');
  });
});
