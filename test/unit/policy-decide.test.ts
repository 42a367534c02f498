// The policy decision on its own: last matching rule wins, defaults per action, protected paths,
// paths outside the workspace, the step directory, command lines of several parts.
import { describe, expect, it } from 'vitest';
import { decide, effectOf } from '../../src/domain/policy/decide.js';
import { readCommandLine } from '../../src/domain/policy/command-line.js';
import { RoleRegistry } from '../../src/domain/policy/role-registry.js';
import { roleDefinitionSchema } from '../../src/domain/policy/role.js';

const roles = new RoleRegistry();
const place = { workspace: '/w/ws', stepDir: '/w/run/steps/plan/1' };
const bash = (role: string, command: string) =>
  decide(roles.require(role), { action: 'bash', command }, place);
const edit = (role: string, path: string) => decide(roles.require(role), { action: 'edit', path }, place);

describe('readCommandLine', () => {
  it('splits separators, pipes, subshells and sh -c, and finds redirections', () => {
    expect(readCommandLine('npm test && git push origin main | tee out.txt')).toEqual({
      commands: ['npm test', 'git push origin main', 'tee out.txt'],
      // tee writes its files.
      writes: ['out.txt'],
    });
    expect(readCommandLine(`FOO=1 echo "a b" > 'x y.txt' 2>&1; ls $(git rev-parse --show-toplevel)`)).toEqual(
      {
        commands: ['echo a b', 'git rev-parse --show-toplevel', 'ls $(…)'],
        writes: ['x y.txt'],
      },
    );
    expect(readCommandLine(`bash -c 'rm -rf build; make' 2>/dev/null`)?.commands).toEqual([
      'rm -rf build',
      'make',
    ]);
    expect(readCommandLine('echo `whoami` >> log >&2')).toEqual({
      commands: ['whoami', 'echo $(…)'],
      writes: ['log'],
    });
  });
  it('returns null for what it cannot read', () => {
    expect(readCommandLine('echo "unclosed')).toBeNull();
    expect(readCommandLine('cat <<EOF\nx\nEOF')).toBeNull();
  });
});

describe('decide', () => {
  it('lets the last matching rule win and falls back to the defaults', () => {
    expect(bash('coder', 'npm test').effect).toBe('allow');
    expect(bash('coder', 'npm install left-pad').effect).toBe('ask');
    expect(bash('coder', 'git push origin main')).toMatchObject({
      effect: 'deny',
      rule: { action: 'bash', pattern: 'git push *', effect: 'deny' },
    });
    expect(bash('coder', 'rm -rf /').effect).toBe('ask');
    expect(bash('tester', 'some-unknown-tool --x')).toMatchObject({ effect: 'ask', rule: null });
    expect(bash('tester', 'some-unknown-tool').reason).toContain('no rule (the default for bash)');
  });
  it('takes the strictest part of a command line, redirections as edits', () => {
    const decision = bash('tester', 'npm test && git commit -am x');
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toContain('"git commit -am x"');
    expect(bash('planner', 'cat a.txt > b.txt')).toMatchObject({ effect: 'deny' });
    expect(bash('planner', 'ls > /dev/null').effect).toBe('allow');
    expect(bash('planner', 'echo "unclosed').effect).toBe('ask');
  });
  it('reads paths against the workspace, outside ones as absolute, protected ones never', () => {
    expect(edit('coder', 'src/a.ts').effect).toBe('allow');
    expect(edit('coder', '/w/ws/src/a.ts').effect).toBe('allow');
    expect(edit('coder', '/etc/passwd').effect).toBe('ask');
    expect(edit('coder', '../other/x').effect).toBe('ask');
    expect(edit('coder', '.git/config')).toMatchObject({ effect: 'deny', rule: null });
    expect(edit('coder', 'pkg/.env').reason).toContain('protected path');
    expect(edit('reviewer', 'src/a.ts').effect).toBe('deny');
    expect(edit('reviewer', '/w/run/steps/plan/1/verdict.json').effect).toBe('allow');
    expect(
      decide(
        roles.require('reviewer'),
        { action: 'edit', path: '/w/run/steps/plan/1/v.json' },
        { workspace: '/w/ws' },
      ).effect,
    ).toBe('deny');
  });
  it('switches commit, push and net as a whole', () => {
    expect(effectOf(roles.require('tester'), 'commit')).toBe('deny');
    expect(effectOf(roles.require('coder'), 'commit')).toBe('allow');
    expect(effectOf(roles.require('coder'), 'push')).toBe('deny');
    expect(effectOf(roles.require('integrator'), 'push')).toBe('ask');
    expect(effectOf(roles.require('planner'), 'net')).toBe('deny');
  });
  it('builds overrides on a known role, and reads the short rule form', () => {
    const registry = new RoleRegistry({
      tester: roleDefinitionSchema.parse({ rules: ['bash allow make e2e *'] }),
      auditor: roleDefinitionSchema.parse({
        extends: 'reviewer',
        rules: [{ action: 'net', effect: 'allow' }],
        sandbox: true,
      }),
    });
    expect(decide(registry.require('tester'), { action: 'bash', command: 'make e2e' }, place).effect).toBe(
      'allow',
    );
    expect(decide(registry.require('tester'), { action: 'bash', command: 'npm test' }, place).effect).toBe(
      'allow',
    );
    expect(registry.require('auditor')).toMatchObject({
      sandbox: true,
      description: expect.stringContaining('reads'),
    });
    expect(effectOf(registry.require('auditor'), 'net')).toBe('allow');
    expect(registry.require('implementer').name).toBe('coder');
    expect(() => registry.require('nobody')).toThrow(/no role is named nobody \(roles: planner, coder/);
    expect(() => registry.define('x', roleDefinitionSchema.parse({ extends: 'ghost' }))).toThrow(
      /extends ghost/,
    );
  });
});

describe('tmuxorch-made prefixes', () => {
  it('reads `export A=1; cmd` as cmd alone', () => {
    expect(readCommandLine('export TMUXORCH_STEP_DIR=/x/y; rm -rf build')?.commands).toEqual([
      'rm -rf build',
    ]);
    expect(readCommandLine('export -x A=1 B=2')?.commands).toEqual([]);
    expect(readCommandLine('export PATH')?.commands).toEqual(['export PATH']);
  });
});

// Each line here got past a role before a review found it (then ran in a real bash).
describe('command lines that hid what they do', () => {
  it.each([
    ['tester', 'echo "`git commit -qam x`"', 'deny'],
    ['planner', "echo $'\\'' ; touch PWNED ; echo \\'", 'ask'],
    ['planner', 'echo x >&src/a.ts', 'deny'],
    ['planner', 'find -delete', 'ask'],
    ['planner', 'find . -execdir rm {} +', 'ask'],
    ['planner', 'git grep -Orm -l hello', 'ask'],
    ['planner', 'git diff --output=src/a.ts HEAD', 'ask'],
    ['planner', 'sort -o src/a.ts src/a.ts', 'ask'],
    ['coder', 'rm -f -r src', 'ask'],
    ['coder', 'rm --recursive --force src', 'ask'],
    ['coder', 'python -m pip install evil', 'ask'],
    ['coder', 'cp x .github/workflows/ci.yml', 'deny'],
    ['coder', 'mv evil .env', 'deny'],
    ['coder', 'cd .git && echo x >> config', 'ask'],
    ['tester', 'git -c a=b commit -m x', 'deny'],
    ['tester', 'git -C . commit -m x', 'deny'],
    ['tester', 'command git commit -m x', 'deny'],
    ['tester', 'env -i git commit -m x', 'deny'],
    ['tester', 'timeout 5 git commit -m x', 'deny'],
    ['tester', 'nohup nice -n 5 git commit -m x', 'deny'],
    ['tester', 'f(){ git commit -m x; }; f', 'deny'],
    ['tester', "bash -ec 'git commit -m x'", 'deny'],
    ['coder', 'touch sub/.git/config', 'deny'],
  ])('%s: %s → %s', (role, command, effect) => {
    expect(bash(role, command).effect).toBe(effect);
  });
  it('still lets the plain forms through', () => {
    expect(bash('planner', 'echo hi >&2').effect).toBe('allow');
    expect(bash('planner', 'git diff HEAD').effect).toBe('allow');
    expect(bash('coder', 'rm -f build.log').effect).toBe('allow');
    expect(bash('coder', 'cp a.txt b.txt').effect).toBe('allow');
    expect(bash('tester', 'npm test').effect).toBe('allow');
  });
});
