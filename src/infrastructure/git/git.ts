// Runs `git` with an argv (never a shell string) in a given directory, with an environment that
// makes its output parseable and its behaviour non-interactive, whatever the daemon inherited.
import { execa } from 'execa';
import { WorkspaceError } from '../../domain/errors.js';

export interface GitResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface GitRunOptions {
  // Added to (and overriding) the inherited environment: GIT_INDEX_FILE for a temporary index,
  // GIT_CONFIG_GLOBAL for tests that must not see the machine's configuration.
  readonly env?: Readonly<Record<string, string>>;
  // A patch ends with a newline that `git apply` needs; other outputs are read trimmed.
  readonly stripFinalNewline?: boolean;
  readonly timeoutMs?: number;
}

// The identity used for tmuxorch's own commits (snapshots, merges, copies) in a repository whose
// user configured none: git would otherwise refuse to commit ("Please tell me who you are").
export const FALLBACK_IDENTITY = { name: 'tmuxorch', email: 'tmuxorch@localhost' } as const;

// Variables that point git at another repository, index or work tree. Inherited from a git hook
// or an outer `git rebase --exec`, they would make every command act on the wrong repository.
const LOCATION_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

// Subcommands that write commits and so need an identity.
const COMMITTING = new Set(['commit', 'merge', 'cherry-pick', 'revert', 'am', 'rebase', 'stash']);

// The subcommand's name, past any leading `-c key=value` / `-C dir` options, for messages.
export function subcommandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-c' || arg === '-C') {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return args[0] ?? '';
}

function baseEnvironment(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of LOCATION_VARIABLES) delete env[name];
  Object.assign(env, extra);
  // No credential prompt can ever be answered by a daemon; C messages are the ones we parse.
  env.GIT_TERMINAL_PROMPT = '0';
  env.LC_ALL = 'C';
  return env;
}

async function spawnGit(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: GitRunOptions,
): Promise<GitResult> {
  const result = await execa('git', args, {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: options.stripFinalNewline ?? true,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
  if (result.exitCode === undefined) {
    // Not a git answer: git is missing, the directory is gone, or the deadline passed.
    const why =
      result.code === 'ENOENT'
        ? 'git is not installed or not on PATH'
        : (result.shortMessage ?? 'no exit code');
    throw new WorkspaceError(`git ${subcommandOf(args)} in ${cwd} could not run: ${why}`, {
      cwd,
      args,
      stderr: String(result.stderr ?? ''),
    });
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode };
}

// Fills in, in the environment only, the parts of an identity the repository lacks (the user's
// own name and email are used whenever configured, so their commits stay theirs).
async function identityEnvironment(cwd: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const configured = async (key: string): Promise<boolean> =>
    (await spawnGit(cwd, ['config', '--get', key], env, {})).stdout.trim() !== '';
  const [hasName, hasEmail] = await Promise.all([configured('user.name'), configured('user.email')]);
  const identity: Record<string, string> = {};
  // An identity the caller's environment already sets (GIT_AUTHOR_NAME…) wins over the fallback.
  const fill = (name: string, value: string): void => {
    if (!env[name]) identity[name] = value;
  };
  if (!hasName) {
    fill('GIT_AUTHOR_NAME', FALLBACK_IDENTITY.name);
    fill('GIT_COMMITTER_NAME', FALLBACK_IDENTITY.name);
  }
  if (!hasEmail) {
    fill('GIT_AUTHOR_EMAIL', FALLBACK_IDENTITY.email);
    fill('GIT_COMMITTER_EMAIL', FALLBACK_IDENTITY.email);
  }
  return identity;
}

// Runs git and returns what it said; rejects only when git could not run at all.
export async function runGit(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  let env = baseEnvironment(options.env);
  if (COMMITTING.has(subcommandOf(args))) env = { ...env, ...(await identityEnvironment(cwd, env)) };
  return spawnGit(cwd, args, env, options);
}

// The first line of what git said about a failure, for a one-sentence message.
export function firstLine(result: GitResult): string {
  const line = (text: string): string | undefined =>
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '');
  return line(result.stderr) ?? line(result.stdout) ?? `exit code ${result.exitCode}`;
}

export function gitFailure(cwd: string, args: readonly string[], result: GitResult): WorkspaceError {
  return new WorkspaceError(`git ${subcommandOf(args)} in ${cwd} failed: ${firstLine(result)}`, {
    cwd,
    args,
    stderr: result.stderr,
  });
}

// Runs git and returns its stdout; any non-zero exit is a WorkspaceError naming the command.
export async function git(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<string> {
  const result = await runGit(cwd, args, options);
  if (result.exitCode !== 0) throw gitFailure(cwd, args, result);
  return result.stdout;
}
