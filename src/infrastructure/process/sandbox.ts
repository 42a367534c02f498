// A bubblewrap (bwrap) sandbox for a worker's agent: the whole file system read-only except the
// workspace and a few named paths, a private /tmp, optionally no network.
//
// What was verified with bwrap 0.8.0 (see test/integration/sandbox.test.ts) and why the flags are so:
// - `--cap-drop ALL`: bwrap started by root keeps every capability inside, and with CAP_SYS_ADMIN
//   one `mount -o remount,bind,rw /` undoes the read-only root. Dropping them costs nothing for an
//   unprivileged user (bwrap then runs in a user namespace and accepts the flag too).
// - no `--new-session`: setsid() takes the pane's controlling terminal away, so /dev/tty fails
//   (ENXIO), the shell has no job control, SIGWINCH never arrives (a TUI cannot follow a resize),
//   and Ctrl-C hits bwrap instead of the agent, killing the whole sandbox. --new-session exists
//   against TIOCSTI (CVE-2017-5226: pushing keystrokes into the terminal, which the pane's outer
//   shell then runs outside the sandbox; verified to work here, dev.tty.legacy_tiocsti=1), so a
//   seccomp filter refuses TIOCSTI and TIOCLINUX instead, as flatpak does. On an architecture the
//   filter does not know, --new-session is kept: safe, with the terminal limits above.
// - `--dev /dev` binds the pane's terminal as /dev/console, so `tty` prints /dev/console, not
//   /dev/pts/N; isatty, /dev/tty, resizes and signals work. Binding the host's /dev/pts would give
//   the real name but also every other pty of the user (reading one steals another pane's input).
// - no `--chdir`: bwrap stays in the caller's directory when it exists inside (a pane's cwd, not
//   the daemon's), else falls back to $HOME.
// - the environment passes through unchanged (bwrap's default).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { shellQuote } from '../../domain/marker.js';
import { findExecutable } from './executable.js';
import { runCommand } from './run-command.js';

export interface SandboxSpec {
  readonly workspace: string; // writable (the step's worktree / the worker's project)
  readonly writable: readonly string[]; // further writable paths; missing ones are skipped
  readonly net: boolean; // false: its own empty network namespace (only a loopback of its own)
  readonly gitDir?: string | undefined; // writable git metadata for commits, see gitBinds
  // Secrets the worker must not read (the daemon's key): each file shown as `with` instead.
  readonly hidden?: readonly { readonly path: string; readonly with: string }[] | undefined;
  // Read-only places that must stay visible under the private /tmp (tmuxorch itself and the
  // Node that runs it, which the worker's hooks run, when they live under /tmp).
  readonly visible?: readonly string[] | undefined;
  // Directories shown empty but for the files kept (the workers' keys: only its own).
  readonly emptied?: readonly { readonly dir: string; readonly keep: readonly string[] }[] | undefined;
}

// The fd bwrap reads the seccomp program from (see LAUNCHER).
const SECCOMP_FD = 3;

// A classic-BPF seccomp program: ioctl(fd, TIOCSTI | TIOCLINUX, …) fails with EPERM, everything else
// is allowed. A foreign syscall ABI (i386 via int 0x80, x32) is refused whole, since its ioctl has
// another number the filter would not see. Only the low 32 bits of the request are compared: the
// kernel truncates it to an unsigned int (CVE-2019-10063 was a filter comparing all 64).
function seccompProgram(): Buffer | null {
  // AUDIT_ARCH_* and __NR_ioctl per architecture; TIOCSTI/TIOCLINUX are the generic values.
  const arches: Record<string, { arch: number; ioctl: number }> = {
    x64: { arch: 0xc000003e, ioctl: 16 },
    arm64: { arch: 0xc00000b7, ioctl: 29 },
  };
  const target = arches[process.arch];
  if (!target) return null;
  const [LD_ABS, JEQ, JGE, RET] = [0x20, 0x15, 0x35, 0x06];
  const ALLOW = 0x7fff0000;
  const EPERM = 0x00050000 | 1;
  const program: [number, number, number, number][] = [
    [LD_ABS, 0, 0, 4], // seccomp_data.arch
    [JEQ, 0, 7, target.arch], // foreign ABI → EPERM
    [LD_ABS, 0, 0, 0], // seccomp_data.nr
    [JGE, 5, 0, 0x40000000], // x32 syscall numbers → EPERM
    [JEQ, 0, 3, target.ioctl], // not ioctl → allow
    [LD_ABS, 0, 0, 24], // low word of args[1] (little-endian)
    [JEQ, 2, 0, 0x5412], // TIOCSTI → EPERM
    [JEQ, 1, 0, 0x541c], // TIOCLINUX → EPERM
    [RET, 0, 0, ALLOW],
    [RET, 0, 0, EPERM],
  ];
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], i) => {
    bytes.writeUInt16LE(code, i * 8);
    bytes.writeUInt8(jt, i * 8 + 2);
    bytes.writeUInt8(jf, i * 8 + 3);
    bytes.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return bytes;
}

// The program as a printf format, kept short because the prefix is typed into a pane: letters stay
// letters, every other byte is an octal escape (read by bash's and dash's printf alike) of the
// fewest digits, which is unambiguous since what follows an escape is never a digit.
function printfFormat(bytes: Buffer): string {
  return [...bytes]
    .map((b) => (/[A-Za-z]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `\\${b.toString(8)}`))
    .join('');
}

// bwrap reads a seccomp program only from an fd, and neither a spawn argv nor a typed line can
// hold a NUL byte, so a bash wrapper opens fd 3 on printf's output and then execs bwrap ("$0") with
// its arguments: the process tree and terminal handling are bwrap's own afterwards.
function launcher(format: string): string[] {
  return ['bash', '-c', `exec ${SECCOMP_FD}< <(printf ${shellQuote(format)}) && exec "$0" "$@"`];
}

// Git metadata that must be writable for `git add` / `git commit` in a linked worktree: its own git
// dir (index, HEAD, its logs) and the common dir's objects, refs and logs. The common dir's root
// stays read-only: its config and hooks would run code outside the sandbox later, so git gc,
// pack-refs and deleting a packed branch (packed-refs.lock, gc.pid.lock) fail there, by design.
// A main repository's own .git (no `commondir` file) is bound whole, then its config and hooks
// are bound read-only over it again.
function gitBinds(gitDir: string): string[] {
  const dir = resolve(gitDir);
  const commondirFile = join(dir, 'commondir');
  const binds = ['--bind', dir, dir];
  let common = dir;
  if (existsSync(commondirFile)) {
    common = resolve(dir, readFileSync(commondirFile, 'utf8').trim());
    for (const sub of ['objects', 'refs', 'logs']) binds.push(...bindIfExists('--bind', join(common, sub)));
    binds.push(...bindIfExists('--ro-bind', join(dir, 'config.worktree')));
  } else {
    for (const sub of ['config', 'hooks']) binds.push(...bindIfExists('--ro-bind', join(common, sub)));
  }
  return binds;
}

function bindIfExists(flag: '--bind' | '--ro-bind', path: string): string[] {
  return existsSync(path) ? [flag, path, path] : [];
}

function bwrapArgs(spec: SandboxSpec, seccomp: boolean): string[] {
  const workspace = resolve(spec.workspace);
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  for (const path of spec.visible ?? [])
    if (resolve(path).startsWith('/tmp/')) args.push(...bindIfExists('--ro-bind', resolve(path)));
  args.push('--bind', workspace, workspace);
  for (const path of spec.writable) args.push(...bindIfExists('--bind', resolve(path)));
  // The workspace's own .git (a directory, or a linked worktree's gitfile) stays read-only unless
  // gitDir says otherwise: a rewritten gitfile or config would be followed by git outside later.
  const dotGit = join(workspace, '.git');
  const gitDir = spec.gitDir === undefined ? undefined : resolve(spec.gitDir);
  if (existsSync(dotGit) && !(gitDir === dotGit && statSync(dotGit).isDirectory())) {
    args.push('--ro-bind', dotGit, dotGit);
  }
  if (gitDir !== undefined) args.push(...gitBinds(gitDir));
  for (const { path, with: shown } of spec.hidden ?? [])
    if (existsSync(path) && existsSync(shown)) args.push('--ro-bind', resolve(shown), resolve(path));
  for (const { dir, keep } of spec.emptied ?? []) {
    if (!existsSync(dir)) continue;
    args.push('--tmpfs', resolve(dir));
    for (const file of keep) args.push(...bindIfExists('--ro-bind', resolve(file)));
  }
  if (!spec.net) args.push('--unshare-net');
  args.push('--cap-drop', 'ALL', '--die-with-parent');
  args.push(...(seccomp ? ['--seccomp', String(SECCOMP_FD)] : ['--new-session']));
  return args;
}

// The argv that runs `argv` inside the sandbox (see the top of this file). It starts with `bash`
// (the seccomp launcher) where the filter is known, else with `bwrap`.
export function sandboxArgv(bwrap: string, spec: SandboxSpec, argv: readonly string[]): string[] {
  const program = seccompProgram();
  const args = [bwrap, ...bwrapArgs(spec, program !== null), '--', ...argv];
  return program ? [...launcher(printfFormat(program)), ...args] : args;
}

// The same as one shell-quoted prefix for a bash pane: it ends with `bash -c`, so
// `${sandboxPrefix(bwrap, spec)} ${shellQuote(line)}` runs the shell line (pipes, &&, quotes)
// inside. It uses bash's process substitution, so the pane's shell must be bash.
export function sandboxPrefix(bwrap: string, spec: SandboxSpec): string {
  return sandboxArgv(bwrap, spec, ['bash', '-c']).map(shellQuote).join(' ');
}

// bwrap's path when it is on `path` and can set up what sandboxArgv asks for here (mount, pid-less
// net namespace, /proc, dropping capabilities): containers and distributions that forbid
// unprivileged user namespaces fail here, with bwrap's own words in the reason.
export async function probeSandbox(
  path: string,
): Promise<{ bwrap: string } | { bwrap: null; reason: string }> {
  const bwrap = await findExecutable('bwrap', path);
  if (!bwrap) {
    return {
      bwrap: null,
      reason:
        'bubblewrap (bwrap) is not installed on PATH: install it (Debian/Ubuntu: apt-get install bubblewrap)',
    };
  }
  const argv = sandboxArgv(bwrap, { workspace: tmpdir(), writable: [], net: false }, ['true']);
  const outcome = await runCommand(argv, { timeoutMs: 10_000 });
  if (outcome.exitCode === 0) return { bwrap };
  const why = (outcome.error ?? outcome.stderr.trim()) || `exit status ${String(outcome.exitCode)}`;
  return {
    bwrap: null,
    reason: `${bwrap} cannot create its sandbox here (${why}): unprivileged user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, or an AppArmor userns restriction)`,
  };
}
