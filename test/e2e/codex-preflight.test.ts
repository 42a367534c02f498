// codex's pre-flight refuses only what would certainly fail: no login with the built-in provider
// (codex then never ends). A custom provider with its own env_key runs without `codex login`, so
// it must pass (it used to exit 86, "not logged in", on a setup that works). Runs the profile's
// check through bash with the real codex CLI; skipped when it is not installed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codex } from '../../src/domain/agents/codex.js';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';
import { customProviderConfig } from '../helpers/codex-config.js';

describe.skipIf(!hasCli('codex'))('codex auth pre-flight', () => {
  let home = '';
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'tmuxorch-codex-home-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  const check = () =>
    execa('bash', ['-c', codex.authCheck ?? 'false'], {
      reject: false,
      timeout: 30_000,
      stdin: 'ignore',
      env: { PATH: `${agentCliDir() ?? ''}:${process.env.PATH ?? ''}`, HOME: home, CODEX_HOME: home },
      extendEnv: false,
    });

  it('refuses no login with the built-in provider', async () => {
    expect((await check()).exitCode).not.toBe(0);
  });

  it('passes a custom provider that takes its key from the environment', async () => {
    await writeFile(join(home, 'config.toml'), customProviderConfig('mock-model'));
    expect((await check()).exitCode).toBe(0);
  });
});
