// `tmuxorch doctor` through the built CLI (no daemon needed): tmux's version, the bundled sim
// agent found, logged in, and its TUI recognised by a canary in a scratch pane; a profile whose
// screen patterns no longer match the CLI is reported as stale, with exit 1; a version outside the
// profile's verified range is said ("verified with X, found Y"); a key the controller lacks is
// said to be passable per worker; nothing is left behind (no process, no $HOME/.tmuxorch-sim).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';
import { filesUnder } from '../helpers/claude-home.js';
import { createCliFleet, type CliFleet } from '../helpers/cli.js';
import { processesOfHome, runJson } from './support.js';

interface Check {
  subject: string;
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix: string | null;
  versions?: { found: string | null; verified: string; fit: string };
}

interface Report {
  healthy: boolean;
  checks: Check[];
}

let fleet: CliFleet | null = null;
let scratchHome: string | null = null;

afterEach(async () => {
  await fleet?.cleanup();
  fleet = null;
  if (scratchHome) await rm(scratchHome, { recursive: true, force: true });
  scratchHome = null;
});

async function writeConfig(current: CliFleet, config: unknown): Promise<void> {
  await mkdir(current.env.TMUXORCH_HOME ?? '', { recursive: true });
  await writeFile(join(current.env.TMUXORCH_HOME ?? '', 'config.json'), JSON.stringify(config));
}

const cliDir = agentCliDir();

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

  it('leaves no file under $HOME: the sim check uses a scratch home it removes', async () => {
    scratchHome = await mkdtemp(join(tmpdir(), 'tmuxorch-doctor-home-'));
    fleet = await createCliFleet({ env: { HOME: scratchHome, TMUXORCH_SIM_HOME: undefined } });
    const before = await filesUnder(scratchHome);
    const { exitCode, body, run } = await runJson<Report>(fleet, ['doctor', '--type', 'sim']);
    expect(exitCode, run.stderr).toBe(0);
    expect(find(body, 'sim', 'screens')?.status).toBe('ok');
    expect(await filesUnder(scratchHome)).toEqual(before);
  }, 60_000);

  it('says "verified with X, found Y" for a version outside the profile\'s range, and whether the screens still match', async () => {
    fleet = await createCliFleet();
    await writeConfig(fleet, { agents: { sim: { verifiedVersions: { min: '0.0.1', max: '0.0.2' } } } });
    const { exitCode, body } = await runJson<Report>(fleet, ['doctor', '--type', 'sim']);
    expect(exitCode).toBe(1);
    const version = find(body, 'sim', 'version');
    expect(version).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^verified with 0\.0\.1–0\.0\.2, found \d+\.\d+\.\d+ \(newer\)$/),
      versions: { verified: '0.0.1–0.0.2', fit: 'newer', found: expect.stringMatching(/^\d/) },
    });
    // The canary still recognises the screens, and says so with the drift.
    expect(find(body, 'sim', 'screens')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('verified with 0.0.1–0.0.2'),
    });
  }, 60_000);

  it("names where a key would come from when the controller's environment has none", async () => {
    fleet = await createCliFleet({ env: { TMUXORCH_SIM_LOGGED_OUT: '1', SIM_TEST_KEY: undefined } });
    await writeConfig(fleet, {
      agents: { sim: { authCheck: 'test -n "${SIM_TEST_KEY:-}" || tmuxorch-sim auth status' } },
    });
    const { exitCode, body } = await runJson<Report>(fleet, ['doctor', '--type', 'sim', '--no-canary']);
    expect(exitCode).toBe(1);
    expect(find(body, 'sim', 'auth')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining("SIM_TEST_KEY not in the controller's environment"),
      fix: expect.stringContaining('add-worker --env SIM_TEST_KEY='),
    });
  });

  it.skipIf(!cliDir || !hasCli('gemini'))(
    "the gemini canary leaves none of gemini's processes running",
    async () => {
      scratchHome = await mkdtemp(join(tmpdir(), 'tmuxorch-doctor-home-'));
      fleet = await createCliFleet({
        env: {
          HOME: scratchHome,
          PATH: `${cliDir ?? ''}:${process.env.PATH ?? ''}`,
          GEMINI_API_KEY: undefined,
        },
      });
      const { body, run } = await runJson<Report>(fleet, ['doctor', '--type', 'gemini']);
      expect(find(body, 'gemini', 'screens'), run.stdout).toBeDefined();
      expect(find(body, 'gemini', 'version')?.versions?.verified).toBe('0.61.0');
      // Every process started for this fleet's home (the canary's tmux server and what its pane
      // ran) is gone once doctor has returned.
      expect(await processesOfHome(fleet)).toEqual([]);
    },
    90_000,
  );
});
