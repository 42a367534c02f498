// Runs a short program to completion with a deadline (version and auth checks): never rejects.
import { execa } from 'execa';

export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  // Set when the program could not be started at all.
  readonly error: string | null;
}

export async function runCommand(
  argv: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; shell?: boolean },
): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  if (!file) return { exitCode: null, stdout: '', stderr: '', timedOut: false, error: 'empty command' };
  const result = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs,
    stdin: 'ignore',
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.shell ? { shell: true } : {}),
  });
  const spawnFailed = result.failed && result.exitCode === undefined && !result.timedOut;
  return {
    exitCode: result.exitCode ?? null,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut: result.timedOut,
    error: spawnFailed ? (result.shortMessage ?? 'could not start') : null,
  };
}
