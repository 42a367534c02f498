// Agent profiles as data: the headless argv per task (new or continued conversation, role flags),
// the shell command that wraps it (quoting, auth check, pipefail through tee), the registry's
// overrides, and the config.json schema users write profiles in. The shell command is run through
// a real bash with a stand-in CLI, because quoting is only proven by what a program receives.
import { cliPermissions, type PermissionDialect } from '../../src/domain/policy/agent-permissions.js';
import { RoleRegistry } from '../../src/domain/policy/role-registry.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claude } from '../../src/domain/agents/claude.js';
import { codex } from '../../src/domain/agents/codex.js';
import { gemini } from '../../src/domain/agents/gemini.js';
import {
  buildOneShotCommand,
  oneShotArgv,
  type OneShotRequest,
} from '../../src/domain/agents/one-shot-command.js';
import { opencode } from '../../src/domain/agents/opencode.js';
import { aider } from '../../src/domain/agents/aider.js';
import { AUTH_CHECK_EXIT, SCREEN_STATES, type AgentProfile } from '../../src/domain/agents/profile.js';
import { BUILTIN_PROFILES, ProfileRegistry } from '../../src/domain/agents/registry.js';
import { shell } from '../../src/domain/agents/shell.js';
import { sim } from '../../src/domain/agents/sim.js';
import { ConfigError, UsageError } from '../../src/domain/errors.js';
import { homePaths } from '../../src/infrastructure/config/paths.js';
import { validateUserConfig } from '../../src/infrastructure/config/user-config.js';

const SID = '3f2b8c1e-5d4a-4e6f-9a0b-1c2d3e4f5a6b';

function request(fields: Partial<OneShotRequest> = {}): OneShotRequest {
  return {
    prompt: 'do it',
    sessionId: null,
    sessionStarted: false,
    role: 'default',
    stdoutFile: '/tmp/out.json',
    ...fields,
  };
}

// argv as one line, an argument with spaces in quotes: short to read, still exact for these cases.
function line(profile: AgentProfile, fields: Partial<OneShotRequest> = {}): string {
  return oneShotArgv(profile, request(fields))
    .map((arg) => (arg.includes(' ') ? `"${arg}"` : arg))
    .join(' ');
}

describe('oneShotArgv', () => {
  it('a first task starts the conversation under the id chosen for the worker (claude, sim)', () => {
    expect(line(claude, { sessionId: SID })).toBe(
      `claude -p "do it" --output-format json --session-id ${SID}`,
    );
    expect(line(sim, { sessionId: SID })).toBe(
      `tmuxorch-sim -p "do it" --output-format json --session-id ${SID}`,
    );
    // No id yet: no session arguments at all (no dangling `--session-id ''`).
    expect(line(claude)).toBe('claude -p "do it" --output-format json');
  });

  it('a started conversation is resumed', () => {
    const started = { sessionId: SID, sessionStarted: true };
    expect(line(claude, started)).toBe(`claude -p "do it" --output-format json --resume ${SID}`);
    expect(line(sim, started)).toBe(`tmuxorch-sim -p "do it" --output-format json --resume ${SID}`);
    expect(line(codex, started)).toBe(`codex exec resume ${SID} --json --skip-git-repo-check "do it"`);
    expect(line(opencode, started)).toBe(`opencode run --format json --session ${SID} "do it"`);
    expect(line(gemini, started)).toBe(`gemini -p "do it" -o json --skip-trust --resume ${SID}`);
  });

  it('codex and opencode pick their own id: a first task has no session arguments', () => {
    expect(line(codex)).toBe('codex exec --json --skip-git-repo-check "do it"');
    expect(line(opencode)).toBe('opencode run --format json "do it"');
  });

  it('a CLI without resume starts afresh every task; a shell worker has no one-shot mode', () => {
    expect(oneShotArgv(aider, request({ sessionId: SID, sessionStarted: true }))).not.toContain(SID);
    expect(() => oneShotArgv(shell, request())).toThrow(RangeError);
  });

  it("appends the role's extra arguments, then its rules as permission flags", () => {
    const roles = new RoleRegistry();
    const flags = (dialect: PermissionDialect, role: string) =>
      cliPermissions(dialect, roles.require(role)).args;
    expect(line(claude, { role: 'coder', permissionArgs: flags('claude', 'coder') })).toContain(
      ' --permission-mode acceptEdits "--allowedTools=Read,Grep,Glob,',
    );
    expect(line(claude, { role: 'planner', permissionArgs: flags('claude', 'planner') })).toContain(
      ' --permission-mode default ',
    );
    expect(line(sim, { role: 'coder', sessionId: SID })).toMatch(/ --session-id \S+ --yes$/);
    expect(line(codex, { role: 'reviewer', permissionArgs: flags('codex', 'reviewer') })).toMatch(
      / -c sandbox_mode="read-only"$/,
    );
    expect(line(claude, { role: 'default' })).not.toContain('--permission-mode');
  });

  it('the prompt is one argument, placeholders inside it are not expanded', () => {
    const prompt = 'say {sessionArgs} {sessionId} {prompt}';
    const argv = oneShotArgv(claude, request({ prompt, sessionId: SID }));
    expect(argv).toEqual(['claude', '-p', prompt, '--output-format', 'json', '--session-id', SID]);
  });
});

describe('buildOneShotCommand through a real bash', () => {
  let dir: string;
  const tricky = `it's "quoted" $HOME \`id\` $(echo no) \\ back\\slash\nsecond line\ttab ! * ~ ; | & ${'<>'} é ✓\n`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tmuxorch-fake-claude-'));
    // A stand-in `claude`: `auth status` fails when FAKE_LOGGED_OUT=1; a run prints its argv
    // NUL-separated (byte-exact even with newlines), says what it read on stdin, exits FAKE_EXIT.
    writeFileSync(
      join(dir, 'claude'),
      [
        '#!/usr/bin/env bash',
        'if [ "$1" = auth ]; then [ "${FAKE_LOGGED_OUT:-}" != 1 ]; exit $?; fi',
        `echo run >> '${join(dir, 'runs.log')}'`,
        'printf \'%s\\0\' "$@"',
        'printf \'stdin=[%s]\' "$(cat)"',
        'echo "to-stderr" >&2',
        'exit "${FAKE_EXIT:-0}"',
        '',
      ].join('\n'),
    );
    chmodSync(join(dir, 'claude'), 0o755);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(prompt: string, env: Record<string, string> = {}, sessionStarted = false) {
    const stdoutFile = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
    const req = request({ prompt, sessionId: SID, sessionStarted, stdoutFile });
    const command = buildOneShotCommand(claude, req);
    // Only PATH and what the test sets: no ANTHROPIC_API_KEY from this machine skips the check.
    const result = spawnSync('bash', ['-c', command], {
      env: { PATH: `${dir}:${process.env.PATH ?? ''}`, HOME: dir, ...env },
      input: 'SHOULD-NOT-BE-READ',
      encoding: 'utf8',
    });
    const file = existsSync(stdoutFile) ? readFileSync(stdoutFile, 'utf8') : null;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, file, command };
  }

  it('the agent receives the prompt byte for byte, and stdin is /dev/null', () => {
    const { status, stdout, file } = run(tricky);
    expect(status).toBe(0);
    const cut = stdout.lastIndexOf('\0');
    expect(stdout.slice(0, cut).split('\0')).toEqual([
      '-p',
      tricky,
      '--output-format',
      'json',
      '--session-id',
      SID,
    ]);
    expect(stdout.slice(cut + 1)).toBe('stdin=[]');
    // tee wrote the agent's stdout (not its stderr) to the file that is parsed afterwards.
    expect(file).toBe(stdout);
    expect(file).not.toContain('to-stderr');
  });

  it('a resumed conversation passes --resume with the id', () => {
    const { stdout } = run('next', {}, true);
    expect(stdout.split('\0').slice(0, 6).join(' ')).toBe(`-p next --output-format json --resume ${SID}`);
  });

  it('pipefail keeps the agent exit status through tee', () => {
    const { status, file } = run('x', { FAKE_EXIT: '7' });
    expect(status).toBe(7);
    expect(file).toContain('stdin=[]');
  });

  it('a failed auth check exits 86 with the hint on stderr, before the agent runs', () => {
    const runs = join(dir, 'runs.log');
    const before = existsSync(runs) ? readFileSync(runs, 'utf8') : '';
    const { status, stdout, stderr, file } = run('x', { FAKE_LOGGED_OUT: '1' });
    expect(status).toBe(AUTH_CHECK_EXIT);
    expect(stderr).toBe(`tmuxorch: ${claude.authHint}\n`);
    expect({ stdout, file }).toEqual({ stdout: '', file: null });
    expect(existsSync(runs) ? readFileSync(runs, 'utf8') : '').toBe(before);
    // An API key in the environment counts as logged in: the check is skipped, the agent runs.
    expect(run('x', { FAKE_LOGGED_OUT: '1', ANTHROPIC_API_KEY: 'sk-test' }).status).toBe(0);
  });

  it('a profile without an auth check has no check in its command', () => {
    const command = buildOneShotCommand(opencode, request());
    expect(command.startsWith("set -o pipefail; 'opencode' 'run'")).toBe(true);
    expect(command).not.toContain(String(AUTH_CHECK_EXIT));
  });
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('ProfileRegistry', () => {
  it('knows every built-in type', () => {
    const registry = new ProfileRegistry();
    expect(registry.types()).toEqual(['shell', 'sim', 'claude', 'codex', 'gemini', 'opencode', 'aider']);
    expect(registry.require('claude')).toBe(claude);
  });

  it('lays an override over a built-in field by field, screens merged per state', () => {
    const registry = new ProfileRegistry({
      claude: { authHint: 'ask the admin', screens: { idle: ['^custom> '] }, roleArgs: { tester: ['--x'] } },
    });
    const profile = registry.require('claude');
    expect(profile.authHint).toBe('ask the admin');
    expect(profile.screens.idle).toEqual(['^custom> ']);
    expect(profile.screens.busy).toEqual(claude.screens.busy);
    expect(profile.screens.rate_limited).toEqual(claude.screens.rate_limited);
    expect(profile.roleArgs).toEqual({ tester: ['--x'] });
    expect(profile).toMatchObject({ binary: 'claude', oneShot: claude.oneShot, env: claude.env });
    // The built-in itself is untouched.
    expect(claude.screens.idle).not.toEqual(['^custom> ']);
  });

  it('a new type needs a binary, and otherwise starts from a plain profile', () => {
    expect(() => new ProfileRegistry({ mine: { displayName: 'Mine' } })).toThrow(UsageError);
    const error = thrown(() => new ProfileRegistry({ mine: {} }));
    expect(error).toMatchObject({ code: 'USAGE', details: { type: 'mine' } });
    expect(error.message).toContain('binary');
    const mine = new ProfileRegistry({ mine: { binary: 'mine-cli' } }).require('mine');
    expect(mine).toMatchObject({ type: 'mine', displayName: 'mine', binary: 'mine-cli', authCheck: null });
  });

  it('require() of an unknown type is a USAGE error listing the types', () => {
    const registry = new ProfileRegistry({ mine: { binary: 'mine-cli' } });
    expect(() => registry.require('nope')).toThrow(UsageError);
    expect(() => registry.require('nope')).toThrow(
      'unknown worker type "nope": use one of shell, sim, claude, codex, gemini, opencode, aider, mine',
    );
  });

  it("every built-in profile's screen patterns compile", () => {
    for (const profile of BUILTIN_PROFILES) {
      for (const [state, sources] of Object.entries(profile.screens)) {
        expect(SCREEN_STATES).toContain(state);
        for (const source of sources) {
          expect(() => new RegExp(source, 'm'), `${profile.type}.${state}: ${source}`).not.toThrow();
          expect(() => new RegExp(source, 'mi')).not.toThrow();
        }
      }
    }
  });
});

describe('config.json agents schema', () => {
  const paths = homePaths(join(tmpdir(), 'tmuxorch-schema-home'));
  const custom = {
    binary: 'mycli',
    displayName: 'My CLI',
    authCheck: 'mycli whoami',
    oneShot: { argv: ['mycli', '--ask', '{prompt}'], resumeArgv: null, newSession: null, output: 'text' },
    screens: { idle: ['^> $'], rate_limited: ['slow down'] },
    exitCodes: { '42': 'auth_required' },
    roleArgs: { implementer: ['--write'] },
    env: ['MYCLI_TOKEN'],
    fixedEnv: { MYCLI_NO_UPDATE: '1' },
  };

  it('accepts a custom agent, which the registry then knows', () => {
    const config = validateUserConfig(paths, { agents: { mycli: custom, claude: { authHint: 'x' } } });
    const registry = new ProfileRegistry(config.agents);
    expect(line(registry.require('mycli'), { role: 'implementer' })).toBe('mycli --ask "do it" --write');
    expect(registry.require('claude').authHint).toBe('x');
  });

  it('every built-in profile fits the schema (a user may copy one to start from)', () => {
    for (const { type: _type, ...profile } of BUILTIN_PROFILES) {
      expect(() => validateUserConfig(paths, { agents: { [`copy-${_type}`]: profile } })).not.toThrow();
    }
  });

  function rejection(agent: unknown, name = 'mycli'): ConfigError {
    const error = thrown(() => validateUserConfig(paths, { agents: { [name]: agent } }));
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it('rejects a bad regex, an unknown output format, an unknown field, naming the field', () => {
    const regex = rejection({ ...custom, screens: { idle: ['(unclosed'] } });
    expect(regex).toMatchObject({
      code: 'CONFIG_INVALID',
      details: { field: 'agents.mycli.screens.idle.0' },
    });
    expect(regex.message).toContain('not a valid regular expression');
    const format = rejection({ ...custom, oneShot: { ...custom.oneShot, output: 'xml' } });
    expect(format.details.field).toBe('agents.mycli.oneShot.output');
    const unknown = rejection({ ...custom, colour: 'red' });
    expect(unknown.details.field).toBe('agents.mycli');
    expect(unknown.message).toContain('colour');
    expect(rejection({ screens: { sleepy: ['x'] } }).message).toContain('sleepy');
    expect(rejection({ exitCodes: { abc: 'auth_required' } }).details.field).toMatch(
      /^agents\.mycli\.exitCodes/,
    );
    expect(rejection({ binary: 'x' }, 'Bad Name').details.field).toBe('agents.Bad Name');
  });
});

describe('a worker model', () => {
  it("is passed with each CLI's own flag, before the role's flags", () => {
    expect(line(claude, { model: 'sonnet', sessionId: SID })).toBe(
      `claude -p "do it" --output-format json --session-id ${SID} --model sonnet`,
    );
    expect(line(codex, { model: 'gpt-5', sessionId: SID, sessionStarted: true })).toBe(
      `codex exec resume ${SID} --json --skip-git-repo-check "do it" -c model="gpt-5"`,
    );
    expect(line(gemini, { model: 'gemini-2.5-pro' })).toContain(' --model gemini-2.5-pro');
    expect(line(claude, { model: null })).not.toContain('--model');
  });
});
