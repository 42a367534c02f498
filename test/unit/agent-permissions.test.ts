// Each CLI's permission flags from a role's rules, per built-in role and dialect, and the argv
// forms that cancel a role (bypassIn). The flags are also handed to the real CLIs when installed
// (test/helpers/agent-clis.ts): their parsers must accept them, which needs no model call —
// claude -p without a login stops at "Not logged in" once its options parsed, codex's
// `features list` loads the config the -c overrides change, gemini without a key exits 41 after
// loading its settings and policy files.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bypassIn } from '../../src/domain/policy/bypass-flags.js';
import {
  cliPermissions,
  geminiPolicyToml,
  geminiSettingsPermissions,
  opencodePermissionConfig,
} from '../../src/domain/policy/agent-permissions.js';
import { BUILT_IN_ROLES } from '../../src/domain/policy/built-in-roles.js';
import type { Role } from '../../src/domain/policy/role.js';
import { agentCliDir, hasCli } from '../helpers/agent-clis.js';

const role = (name: string): Role => {
  const found = BUILT_IN_ROLES.find((r) => r.name === name);
  if (!found) throw new Error(`no role ${name}`);
  return found;
};
const EDITING = ['coder', 'integrator'];
const READING = ['planner', 'tester', 'reviewer', 'security'];

// The value of `--flag=a,b` in args, split.
function listFlag(args: readonly string[], flag: string): string[] {
  const arg = args.find((a) => a.startsWith(`${flag}=`));
  return arg ? arg.slice(flag.length + 1).split(',') : [];
}

describe('claude', () => {
  it.each(EDITING)('%s accepts edits and allows its build commands, not git push', (name) => {
    const { args } = cliPermissions('claude', role(name));
    expect(args.slice(0, 2)).toEqual(['--permission-mode', 'acceptEdits']);
    const allowed = listFlag(args, '--allowedTools');
    expect(allowed).toEqual(
      expect.arrayContaining(['Read', 'Grep', 'Glob', 'Bash(npm test:*)', 'Bash(git commit:*)', 'Bash(pwd)']),
    );
    expect(allowed).not.toContain('Edit');
    // Narrowed by later ask rules (rm -rf *, npm install *, curl *): Claude must ask.
    expect(allowed).not.toContain('Bash(rm:*)');
    expect(allowed).not.toContain('Bash(npm install:*)');
    expect(allowed).toEqual(expect.arrayContaining(['Bash(npx:*)', 'Bash(find:*)']));
    expect(allowed).toContain('Bash(git branch --list:*)');
    const disallowed = listFlag(args, '--disallowedTools');
    expect(disallowed).toEqual(expect.arrayContaining(['WebFetch', 'WebSearch']));
    expect(disallowed).not.toContain('Edit');
    if (name === 'coder') expect(disallowed).toContain('Bash(git push:*)');
    else expect(disallowed).not.toContain('Bash(git push:*)');
  });

  it.each(READING)('%s runs in default mode (not plan, which blocks its step files)', (name) => {
    const { args, notes } = cliPermissions('claude', role(name));
    expect(args.slice(0, 2)).toEqual(['--permission-mode', 'default']);
    const allowed = listFlag(args, '--allowedTools');
    expect(allowed).toEqual(expect.arrayContaining(['Read', 'Bash(ls:*)', 'Bash(git status:*)']));
    expect(allowed.some((tool) => tool.startsWith('Edit') || tool.startsWith('Write'))).toBe(false);
    const disallowed = listFlag(args, '--disallowedTools');
    // Its step's files may be edited, so Edit/Write stay available for the hook to allow.
    expect(disallowed).not.toContain('Edit');
    expect(disallowed).toEqual(expect.arrayContaining(['WebFetch', 'WebSearch']));
    if (name !== 'planner')
      expect(disallowed).toEqual(expect.arrayContaining(['Bash(git push:*)', 'Bash(git commit:*)']));
    if (name === 'tester') expect(allowed).toContain('Bash(npx vitest:*)');
    if (name === 'security') expect(allowed).toContain('Bash(semgrep:*)');
    // `find *-delete*` asks, so `find *` is not pre-approved.
    expect(allowed).not.toContain('Bash(find:*)');
    expect(notes.some((n) => n.includes('find * -delete*'))).toBe(true);
  });

  it('a role with no edit at all disallows the edit tools; net allow allows the web tools', () => {
    const looker: Role = { ...role('planner'), rules: [{ action: 'net', pattern: '*', effect: 'allow' }] };
    const { args } = cliPermissions('claude', looker);
    expect(listFlag(args, '--disallowedTools')).toEqual(['Edit', 'Write', 'NotebookEdit']);
    expect(listFlag(args, '--allowedTools')).toEqual(['Read', 'Grep', 'Glob', 'WebFetch', 'WebSearch']);
  });
});

describe('codex', () => {
  it.each(EDITING)('%s writes its workspace, no network', (name) => {
    const { args, notes } = cliPermissions('codex', role(name));
    expect(args).toEqual([
      '-c',
      'sandbox_mode="workspace-write"',
      '-c',
      'sandbox_workspace_write.network_access=false',
    ]);
    expect(notes.some((n) => n.includes('--dangerously-bypass-hook-trust'))).toBe(true);
    expect(notes.some((n) => n.startsWith('bash rules have no Codex flag'))).toBe(true);
  });
  it.each(READING)('%s is read-only', (name) => {
    expect(cliPermissions('codex', role(name)).args).toEqual(['-c', 'sandbox_mode="read-only"']);
  });
  it('net allow opens the network and no approval policy is set (exec runs with never already)', () => {
    const online: Role = {
      ...role('coder'),
      rules: [...role('coder').rules, { action: 'net', pattern: '*', effect: 'allow' }],
    };
    const { args } = cliPermissions('codex', online);
    expect(args).toContain('sandbox_workspace_write.network_access=true');
    expect(args.join(' ')).not.toContain('approval_policy');
  });
});

describe('gemini', () => {
  it.each([...EDITING, ...READING])('%s: approval mode and a policy file in rule order', (name) => {
    const { args } = cliPermissions('gemini', role(name));
    expect(args).toEqual(['--approval-mode', EDITING.includes(name) ? 'auto_edit' : 'default']);
    const toml = geminiPolicyToml(role(name));
    expect(toml).toContain('commandPrefix = "git status"\ndecision = "allow"');
    expect(toml).toContain('toolName = ["web_fetch","google_web_search"]\ndecision = "deny"');
    expect(toml).not.toContain('write_file');
    if (name !== 'planner' && name !== 'integrator')
      expect(toml).toMatch(/commandPrefix = "git push"\ndecision = "deny"/);
    if (name === 'integrator') expect(toml).toMatch(/commandPrefix = "git push"\ndecision = "ask_user"/);
    // Later rules outrank earlier ones: rm -rf asks over the rm allowance.
    if (EDITING.includes(name)) {
      const priority = (prefix: string): number =>
        Number(
          new RegExp(`commandPrefix = "${prefix}"\\ndecision = "\\w+"\\npriority = (\\d+)`).exec(toml)?.[1],
        );
      expect(priority('rm -rf')).toBeGreaterThan(priority('rm'));
    }
  });
  it('inner wildcards and exact commands become anchored regexes on the JSON arguments', () => {
    const toml = geminiPolicyToml(role('planner'));
    expect(toml).toContain(String.raw`commandRegex = "find .*-delete.*\""`);
    const glob: Role = {
      ...role('planner'),
      rules: [{ action: 'bash', pattern: 'make * check', effect: 'allow' }],
    };
    expect(geminiPolicyToml(glob)).toContain(String.raw`commandRegex = "make [^\"]* check\""`);
    expect(toml).toContain(String.raw`commandRegex = "pwd\""`);
    expect(geminiSettingsPermissions('/p.toml')).toEqual({
      policyPaths: ['/p.toml'],
      security: { disableYoloMode: true },
    });
  });
});

describe('opencode', () => {
  it('coder: edits allowed, bash in rule order after the catch-all, no web', () => {
    const text = opencodePermissionConfig(
      '{"plugin":["file:///p.js"],"permission":{"bash":"allow"}}',
      role('coder'),
    );
    const config = JSON.parse(text ?? 'null') as {
      plugin: string[];
      permission: { edit: string; bash: Record<string, string>; webfetch: string };
    };
    expect(config.plugin).toEqual(['file:///p.js']);
    expect(config.permission.edit).toBe('allow');
    expect(config.permission.webfetch).toBe('deny');
    const keys = Object.keys(config.permission.bash);
    expect(keys[0]).toBe('*');
    expect(config.permission.bash['*']).toBe('ask');
    expect(config.permission.bash['git push *']).toBe('deny');
    expect(keys.indexOf('rm -rf *')).toBeGreaterThan(keys.indexOf('rm *'));
    expect(cliPermissions('opencode', role('coder'))).toMatchObject({ args: [], env: {} });
  });
  it.each(READING)('%s may edit only its step files: edit asks', (name) => {
    const config = JSON.parse(opencodePermissionConfig(undefined, role(name)) ?? 'null') as {
      permission: { edit: string };
    };
    expect(config.permission.edit).toBe('ask');
  });
  it('a user config that is not a JSON object is left alone', () => {
    expect(opencodePermissionConfig('[1]', role('coder'))).toBeNull();
    expect(opencodePermissionConfig('{', role('coder'))).toBeNull();
  });
});

it('sim has no flags: its hook is the layer', () => {
  for (const r of BUILT_IN_ROLES) expect(cliPermissions('sim', r)).toEqual({ args: [], env: {}, notes: [] });
});

describe('bypassIn', () => {
  const cases: [Parameters<typeof bypassIn>[0], string[], string][] = [
    ['claude', ['claude', '--dangerously-skip-permissions'], '--dangerously-skip-permissions'],
    ['claude', ['claude', '--allow-dangerously-skip-permissions'], '--allow-dangerously-skip-permissions'],
    ['claude', ['claude', '--permission-mode', 'bypassPermissions'], '--permission-mode bypassPermissions'],
    ['claude', ['claude', '--permission-mode=bypassPermissions'], '--permission-mode=bypassPermissions'],
    [
      'codex',
      ['codex', 'exec', '--dangerously-bypass-approvals-and-sandbox'],
      '--dangerously-bypass-approvals-and-sandbox',
    ],
    ['codex', ['codex', '--yolo'], '--yolo'],
    ['codex', ['codex', '-s', 'danger-full-access'], '-s danger-full-access'],
    ['codex', ['codex', '--sandbox=danger-full-access'], '--sandbox=danger-full-access'],
    ['codex', ['codex', '-sdanger-full-access'], '-sdanger-full-access'],
    ['codex', ['codex', '-c', 'sandbox_mode="danger-full-access"'], '-c sandbox_mode="danger-full-access"'],
    ['codex', ['codex', '-c', "sandbox_mode='danger-full-access'"], "-c sandbox_mode='danger-full-access'"],
    [
      'codex',
      ['codex', '--config', 'sandbox_mode = danger-full-access'],
      '--config sandbox_mode = danger-full-access',
    ],
    ['codex', ['codex', '-csandbox_mode=danger-full-access'], '-csandbox_mode=danger-full-access'],
    ['gemini', ['gemini', '--yolo'], '--yolo'],
    ['gemini', ['gemini', '-y'], '-y'],
    ['gemini', ['gemini', '--approval-mode', 'yolo'], '--approval-mode yolo'],
    ['gemini', ['gemini', '--approval-mode=yolo'], '--approval-mode=yolo'],
    ['opencode', ['opencode', 'run', '--auto', 'task'], '--auto'],
    ['aider', ['aider', '--message', 'x', '--yes-always'], '--yes-always'],
    ['sim', ['tmuxorch-sim', '--dangerously-skip-permissions'], '--dangerously-skip-permissions'],
    [null, ['/usr/bin/claude', '--dangerously-skip-permissions'], '--dangerously-skip-permissions'],
    [null, ['tmuxorch-sim', '--dangerously-skip-permissions'], '--dangerously-skip-permissions'],
  ];
  it.each(cases)('%s %j', (agent, argv, form) => {
    const sentence = bypassIn(agent, argv, 'reviewer');
    expect(sentence).toContain(form);
    expect(sentence).toContain("role reviewer's rules");
  });

  it('a clean argv, a value that is not a bypass, or one after -- is null', () => {
    expect(
      bypassIn('claude', ['claude', '-p', 'hi', '--permission-mode', 'acceptEdits'], 'coder'),
    ).toBeNull();
    expect(
      bypassIn('codex', ['codex', '-c', 'sandbox_mode="workspace-write"', '-s', 'read-only'], 'coder'),
    ).toBeNull();
    expect(
      bypassIn('gemini', ['gemini', '--approval-mode', 'auto_edit', '--yolo=false'], 'coder'),
    ).toBeNull();
    expect(bypassIn('claude', ['claude', '-p', '--', '--dangerously-skip-permissions'], 'coder')).toBeNull();
    expect(bypassIn(null, ['mystery', '--yolo'], 'coder')).toBeNull();
    for (const r of BUILT_IN_ROLES)
      for (const dialect of ['claude', 'codex', 'gemini', 'opencode', 'sim'] as const)
        expect(bypassIn(dialect, [dialect, ...cliPermissions(dialect, r).args], r.name)).toBeNull();
  });
});

// The real CLIs: each role's flags must get past the parser. Skips (visibly) without them.
const cliDir = agentCliDir();
const scratch = mkdtempSync(join(tmpdir(), 'tmuxorch-perm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(binary: string, args: readonly string[], env: Record<string, string>) {
  const result = spawnSync(join(cliDir ?? '', binary), args, {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 60_000,
    input: '',
    env: { PATH: process.env.PATH ?? '', HOME: join(scratch, 'home'), ...env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(!cliDir)(
  `the real claude accepts the flags${cliDir ? '' : ' (skipped: no claude in .agent-clis)'}`,
  () => {
    const env = {
      CLAUDE_CONFIG_DIR: join(scratch, 'claude'),
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    it('a bad value is refused by the parser (the control)', () => {
      expect(run('claude', ['-p', 'hi', '--permission-mode', 'bogus'], env).output).toMatch(
        /^error: option/m,
      );
    });
    it.each(BUILT_IN_ROLES.map((r) => r.name))('%s', (name) => {
      const { output } = run('claude', ['-p', 'hi', ...cliPermissions('claude', role(name)).args], env);
      expect(output).toContain('Not logged in');
      expect(output).not.toMatch(/error:|matches no known tool/);
    });
  },
);

// A directory for scratch files whose every parent is closed to others: gemini skips a system
// settings file below a directory others may write (such as /tmp, where a CI job may clone this
// repository), and codex warns under one. The checkout if it qualifies, else the user's home.
function privateBase(): string | null {
  const closed = (dir: string): boolean => {
    for (let d = resolve(dir); ; d = dirname(d)) {
      if ((statSync(d).mode & 0o022) !== 0) return false;
      if (d === dirname(d)) return true;
    }
  };
  return [process.cwd(), homedir()].find(closed) ?? null;
}
const PRIVATE_BASE = privateBase();

describe.skipIf(!hasCli('codex'))(
  `the real codex accepts the overrides${hasCli('codex') ? '' : ' (skipped: no codex)'}`,
  () => {
    // CODEX_HOME outside /tmp: under it codex warns about PATH aliases on every run.
    const codexHome = mkdtempSync(join(PRIVATE_BASE ?? process.cwd(), '.codex-perm-'));
    afterAll(() => rmSync(codexHome, { recursive: true, force: true }));
    const env = { CODEX_HOME: codexHome };
    it('a bad value fails to load (the control)', () => {
      const { status, output } = run('codex', ['-c', 'sandbox_mode="bogus"', 'features', 'list'], env);
      expect(status).not.toBe(0);
      expect(output).toContain('unknown variant');
    });
    it.each(BUILT_IN_ROLES.map((r) => r.name))('%s (top level, exec, exec resume)', (name) => {
      const args = cliPermissions('codex', role(name)).args;
      expect(run('codex', [...args, 'features', 'list'], env).status).toBe(0);
      expect(run('codex', ['exec', ...args, '--help'], env).status).toBe(0);
      expect(run('codex', ['exec', 'resume', ...args, '--help'], env).status).toBe(0);
    });
  },
);

describe.skipIf(!hasCli('gemini') || PRIVATE_BASE === null)(
  `the real gemini accepts the flags and policy${hasCli('gemini') ? (PRIVATE_BASE === null ? ' (skipped: no directory here whose parents others cannot write, which gemini requires)' : '') : ' (skipped: no gemini)'}`,
  () => {
    const dir = mkdtempSync(join(PRIVATE_BASE ?? process.cwd(), '.gemini-perm-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const runWith = (name: string, policyText: string, args: readonly string[]) => {
      const policy = join(dir, `${name}.toml`);
      writeFileSync(policy, policyText);
      const settings = join(dir, `${name}-settings.json`);
      writeFileSync(settings, JSON.stringify(geminiSettingsPermissions(policy)));
      mkdirSync(join(dir, 'home'), { recursive: true });
      return run('gemini', ['-p', 'hi', '--skip-trust', ...args], {
        HOME: join(dir, 'home'),
        GEMINI_CLI_SYSTEM_SETTINGS_PATH: settings,
      });
    };
    it('the controls: a bad policy is reported, and --yolo is refused (exit 52)', () => {
      expect(
        runWith('bad', '[[rule]]\ntoolName = "x"\ndecision = "maybe"\npriority = 1\n', []).output,
      ).toContain('Policy file error');
      const yolo = runWith('yolo', geminiPolicyToml(role('coder')), ['--yolo']);
      expect(yolo.output).toContain('YOLO mode is disabled');
      expect(yolo.status).toBe(52);
    });
    it.each(BUILT_IN_ROLES.map((r) => r.name))(
      '%s: past parsing and policy loading to the auth check (41)',
      (name) => {
        const { status, output } = runWith(
          name,
          geminiPolicyToml(role(name)),
          cliPermissions('gemini', role(name)).args,
        );
        expect(output).not.toMatch(/Policy file error|Invalid|Unknown argument|Skipping system settings/i);
        expect(output).toContain('Please set an Auth method');
        expect(status).toBe(41);
      },
    );
  },
);
