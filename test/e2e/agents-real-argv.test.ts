// Every role's flags (its rules as permission flags, a model) where each real CLI's parser takes them, in the first run and in a resumed
// one, one-shot and TUI: the argv tmuxorch builds, with `--help` appended, must parse (exit 0).
// A flag the subcommand does not take fails the parse at once (codex: `exec resume` with a role's
// `-s` exited 2, "unexpected argument '-s' found", on every resumed task). Skipped when the real
// CLIs are not installed (.ci/run installs them).
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES } from '../../src/domain/policy/built-in-roles.js';
import { BUILTIN_PROFILES } from '../../src/domain/agents/registry.js';
import { sessionArgv } from '../../src/domain/agents/session-argv.js';
import { cliPermissions } from '../../src/domain/policy/agent-permissions.js';
import { RoleRegistry } from '../../src/domain/policy/role-registry.js';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';

const SESSION = '0199a213-81c0-7800-8aa1-bbab2a035a53';
const roles = new RoleRegistry();

async function parses(argv: readonly string[]): Promise<string | null> {
  const [binary, ...args] = argv;
  const result = await execa(join(agentCliDir() ?? '', binary ?? ''), [...args, '--help'], {
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
    env: { HOME: '/nonexistent-home', PATH: process.env.PATH ?? '' },
    extendEnv: false,
  });
  return result.exitCode === 0
    ? null
    : `${argv.join(' ')}: exit ${result.exitCode}: ${String(result.stderr).slice(0, 300)}`;
}

for (const type of ['claude', 'codex', 'gemini'] as const) {
  describe.skipIf(!hasCli(type))(`${type}: role flags`, () => {
    it('parse in the first and the resumed run, one-shot and TUI, for every role', async () => {
      const profile = BUILTIN_PROFILES.find((p) => p.type === type);
      if (!profile) throw new Error(`no built-in profile ${type}`);
      const templates = [profile.oneShot, profile.interactive].flatMap((t) => (t ? [t] : []));
      const all = ['default', ...BUILT_IN_ROLES.map((r) => r.name)].flatMap((role) =>
        templates.flatMap((t) =>
          [false, true].map((sessionStarted) =>
            sessionArgv(profile, t, {
              sessionId: SESSION,
              sessionStarted,
              role,
              prompt: 'hi',
              model: 'some-model',
              permissionArgs: role === 'default' ? [] : cliPermissions(type, roles.require(role)).args,
            }),
          ),
        ),
      );
      // Roles that share their flags (planner, reviewer) give the same argv: each is tried once.
      const argvs = [...new Map(all.map((argv) => [argv.join('\0'), argv])).values()];
      const failures: string[] = [];
      // Three at a time: gemini takes ~2.5 s to start.
      for (let i = 0; i < argvs.length; i += 3)
        for (const failure of await Promise.all(argvs.slice(i, i + 3).map(parses)))
          if (failure) failures.push(failure);
      expect(failures).toEqual([]);
    }, 300_000);
  });
}
