// A role's permission to commit and push in one workspace, enforced by git itself (hooks and
// configuration of that worktree only), so that it holds for an agent's own `git` in a shell.
//
// Why per worktree: `extensions.worktreeConfig` lets `git config --worktree` write to the
// worktree's own config.worktree, so the other steps' worktrees and the user's main checkout keep
// their behaviour. The hooks live in the worktree's git dir: no change in its work tree (nothing
// to commit by mistake) and `git worktree remove` takes them away.
//
// What holds and what does not (git 2.39, checked by test/integration/workspace-guards.test.ts):
// - commit: a pre-commit hook gives the refusal early; a reference-transaction hook refuses any
//   move, creation or deletion of a branch, so `git commit --no-verify`, `merge`, `reset` to
//   another commit, `branch x` and `checkout -b` are refused too (a new branch at an old commit
//   would let `git commit-tree` + `git branch` commit anyway). Updates that leave a branch where
//   it is (the `reset --hard` inside `git stash`) and other refs (refs/stash, tags, remotes from
//   a fetch) are allowed. A detached HEAD moved to a commit no ref holds (a commit made on it)
//   is refused; a checkout of an existing commit is not.
// - push: a pre-push hook; for 'deny' (unless onlyForWorkers) also `url.<refused>.pushInsteadOf`
//   with an empty prefix, which rewrites every push URL (paths, file://, ssh://, scp-like, https)
//   to a local path that does not exist, so `push --no-verify` fails without any network. That
//   path is the refusal sentence, as git prints it. Not for 'ask' (an approved push must go on)
//   nor onlyForWorkers (the user's own pushes must go on): there `--no-verify` gets through.
// - Not held: `git -c core.hooksPath=` with any value, empty included (what unguardedArgs uses;
//   GIT_CONFIG_COUNT/KEY/VALUE in the environment likewise), `-c` of a pushurl or a
//   longer pushInsteadOf, a remote with a configured pushurl (git does not rewrite pushurls) when
//   pushed with --no-verify, or editing the git dir. Against an agent that means to get round
//   them these are guard rails, not a sandbox.
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { WorkspaceError } from '../../domain/errors.js';
import { git, runGit, type GitRunOptions } from './git.js';

export type GuardEffect = 'allow' | 'deny' | 'ask';

export interface WorkspaceGuards {
  // Named in every refusal.
  readonly role: string;
  // 'ask' is treated as deny for commits (the message says it needs approval).
  readonly commit: GuardEffect;
  readonly push: GuardEffect;
  // For 'ask' on push: a shell command run by the pre-push hook as
  // `<askCommand> push <remote-name> <url>`, the refs being pushed on its stdin; exit 0 approves
  // (the push goes on), anything else refuses. Undefined: 'ask' refuses.
  readonly askCommand?: string;
  // true: the hooks refuse only in processes with TMUXORCH_WORKER_ID in their environment (a
  // user's main checkout that a worker shares: the user's own commits must still work).
  readonly onlyForWorkers?: boolean;
}

const HOOKS_DIR = 'tmuxorch-hooks';

// Every hook git runs (githooks(5)): core.hooksPath replaces the whole hooks directory, so each
// gets a wrapper that passes on to the repository's own hook, or the user's hooks would stop.
const HOOK_NAMES = (
  'applypatch-msg pre-applypatch post-applypatch pre-commit pre-merge-commit prepare-commit-msg ' +
  'commit-msg post-commit pre-rebase post-checkout post-merge pre-push pre-receive update ' +
  'proc-receive post-receive post-update reference-transaction push-to-checkout pre-auto-gc ' +
  'post-rewrite sendemail-validate fsmonitor-watchman p4-changelist p4-prepare-changelist ' +
  'p4-post-changelist p4-pre-submit post-index-change'
).split(' ');

// Hooks given their input on stdin: the check and the chained hook both need it, so it is read
// once. Not proc-receive, which talks with git over stdin and stdout: it gets them as they are.
const READS_STDIN = new Set([
  'pre-push',
  'reference-transaction',
  'post-rewrite',
  'pre-receive',
  'post-receive',
]);

// Arguments that make one git command of tmuxorch's own (its snapshot commit after a step) run
// without any hook: a command-line setting wins over the worktree's core.hooksPath, and no hook
// exists under /dev/null. It does not undo the pushInsteadOf of a push guard.
// No fsmonitor either: its command comes from config an agent in the worktree may have set, and
// tmuxorch's own git commands there must never run a program of the agent's.
export function unguardedArgs(): string[] {
  return ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false'];
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function why(action: 'commit' | 'push', effect: GuardEffect): string {
  return effect === 'ask' ? `${action} needs a person's approval` : `its rules deny ${action}`;
}

function refusal(role: string, action: 'commit' | 'push', reason: string): string {
  return `tmuxorch: role ${role} may not ${action} (${reason})`;
}

// The sh lines that refuse (exit 1) in one hook, or '' when that hook checks nothing.
function checkFor(name: string, guards: WorkspaceGuards): string {
  const say = (sentence: string): string => `echo ${shellQuote(sentence)} >&2; exit 1`;
  const commitRefused = say(refusal(guards.role, 'commit', why('commit', guards.commit)));
  if (guards.commit !== 'allow' && name === 'pre-commit') return commitRefused;
  if (guards.commit !== 'allow' && name === 'reference-transaction') {
    // Only 'prepared' can abort. A deletion comes with both ids zero, so a zero new id counts.
    return [
      'if [ "$1" = prepared ]; then',
      '  while read -r old new ref; do',
      '    case $new in *[!0]*) gone=no ;; *) gone=yes ;; esac',
      '    case $ref in',
      `      refs/heads/*) if [ "$gone" = yes ] || [ "$old" != "$new" ]; then ${commitRefused}; fi ;;`,
      '      HEAD) if [ "$gone" = no ] && [ "$old" != "$new" ] &&',
      `          [ -n "$(git rev-list -n 1 "$new" --not --all 2>/dev/null)" ]; then ${commitRefused}; fi ;;`,
      '    esac',
      '  done <<TMUXORCH_INPUT',
      '$input',
      'TMUXORCH_INPUT',
      'fi',
    ].join('\n');
  }
  if (guards.push === 'allow' || name !== 'pre-push') return '';
  if (guards.push === 'ask' && guards.askCommand !== undefined) {
    const denied = refusal(guards.role, 'push', 'a person did not approve it');
    return [
      `printf '%s\\n' "$input" | sh -c ${shellQuote(`${guards.askCommand} "$@"`)} tmuxorch-ask push "$1" "$2" ||`,
      `  { ${say(denied)}; }`,
    ].join('\n');
  }
  return say(refusal(guards.role, 'push', why('push', guards.push)));
}

// One hook: our check (only for workers when asked), then the repository's own hook.
function hookScript(name: string, guards: WorkspaceGuards, userHooks: string): string {
  const stdin = READS_STDIN.has(name);
  let check = checkFor(name, guards);
  if (check !== '' && guards.onlyForWorkers) {
    check = `if [ -n "\${TMUXORCH_WORKER_ID+set}" ]; then\n${check}\nfi`;
  }
  const user = `${shellQuote(userHooks)}/${name}`;
  return [
    '#!/bin/sh',
    `# tmuxorch guards for role ${guards.role.replace(/\n/g, ' ')} (generated; removeWorkspaceGuards deletes it).`,
    ...(stdin ? ['input=$(cat)'] : []),
    ...(check ? [check] : []),
    `[ -x ${user} ] || exit 0`,
    stdin ? `printf '%s\\n' "$input" | ${user} "$@"` : `exec ${user} "$@"`,
    '',
  ].join('\n');
}

interface Places {
  readonly hooksDir: string;
  readonly userHooks: string;
}

async function places(workspace: string, options: GitRunOptions): Promise<Places> {
  const top = (await git(workspace, ['rev-parse', '--show-toplevel'], options)).trim();
  const gitDir = (await git(top, ['rev-parse', '--path-format=absolute', '--git-dir'], options)).trim();
  const hooksDir = join(gitDir, HOOKS_DIR);
  // The hooks directory git would use without us: the last (strongest) core.hooksPath that is
  // not ours, else the common dir's hooks. A relative one is relative to the work tree's top,
  // where git runs hooks.
  const scoped = await runGit(top, ['config', '--show-scope', '--get-all', 'core.hooksPath'], options);
  const values = scoped.stdout
    .split('\n')
    .map((line) => line.slice(line.indexOf('\t') + 1))
    .filter((value) => value !== '' && resolve(top, value) !== hooksDir);
  const configured = values[values.length - 1];
  if (configured !== undefined) {
    return { hooksDir, userHooks: isAbsolute(configured) ? configured : resolve(top, configured) };
  }
  const common = (
    await git(top, ['rev-parse', '--path-format=absolute', '--git-common-dir'], options)
  ).trim();
  return { hooksDir, userHooks: join(common, 'hooks') };
}

// The local path every push URL is rewritten to: it never exists, and git names it in its error.
function refusedPushBase(hooksDir: string, guards: WorkspaceGuards): string {
  const role = guards.role.replace(/[^A-Za-z0-9._-]/g, '-');
  return `${hooksDir}/${refusal(role, 'push', why('push', guards.push))}/`;
}

// Our pushInsteadOf keys in the worktree's configuration (a role's name may have changed).
async function ourPushRewrites(
  workspace: string,
  hooksDir: string,
  options: GitRunOptions,
): Promise<string[]> {
  const listed = await runGit(
    workspace,
    ['config', '--worktree', '--name-only', '--get-regexp', '^url\\..*\\.pushinsteadof$'],
    options,
  );
  return listed.stdout.split('\n').filter((key) => key.startsWith(`url.${hooksDir}/`));
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, { mode: 0o755 });
  // The mode given to writeFile is filtered by the umask; hooks must be executable whatever it is.
  await chmod(temp, 0o755);
  await rename(temp, path);
}

export async function installWorkspaceGuards(
  workspace: string,
  guards: WorkspaceGuards,
  options: GitRunOptions = {},
): Promise<void> {
  if (guards.role.trim() === '') {
    throw new WorkspaceError(`the guards for ${workspace} name no role`, { workspace });
  }
  const { hooksDir, userHooks } = await places(workspace, options);
  if (userHooks === hooksDir) {
    throw new WorkspaceError(`${workspace} already uses ${hooksDir} as its own hooks`, { workspace });
  }
  await git(workspace, ['config', 'extensions.worktreeConfig', 'true'], options);
  await mkdir(hooksDir, { recursive: true, mode: 0o755 });
  // Hooks first, configuration last: core.hooksPath never names a directory without them.
  for (const name of HOOK_NAMES) {
    await writeAtomically(join(hooksDir, name), hookScript(name, guards, userHooks));
  }
  await git(workspace, ['config', '--worktree', 'core.hooksPath', hooksDir], options);
  const wanted =
    guards.push === 'deny' && !guards.onlyForWorkers
      ? `url.${refusedPushBase(hooksDir, guards)}.pushinsteadof`
      : null;
  for (const key of await ourPushRewrites(workspace, hooksDir, options)) {
    if (key !== wanted) await git(workspace, ['config', '--worktree', '--unset-all', key], options);
  }
  if (wanted) await git(workspace, ['config', '--worktree', wanted, ''], options);
}

export async function removeWorkspaceGuards(workspace: string, options: GitRunOptions = {}): Promise<void> {
  const { hooksDir } = await places(workspace, options);
  const enabled = await runGit(
    workspace,
    ['config', '--bool', '--get', 'extensions.worktreeConfig'],
    options,
  );
  // Without the extension, --worktree would write the repository's config: nothing of ours there.
  if (enabled.stdout.trim() === 'true') {
    const current = await runGit(workspace, ['config', '--worktree', '--get', 'core.hooksPath'], options);
    if (current.stdout.trim() === hooksDir) {
      await git(workspace, ['config', '--worktree', '--unset-all', 'core.hooksPath'], options);
    }
    for (const key of await ourPushRewrites(workspace, hooksDir, options)) {
      await git(workspace, ['config', '--worktree', '--unset-all', key], options);
    }
  }
  // extensions.worktreeConfig stays: other worktrees may use it, and it changes nothing alone.
  await rm(hooksDir, { recursive: true, force: true });
}
