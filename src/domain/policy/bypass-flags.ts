// The modes of each agent CLI that cancel a role's rules (a bypass flag in a profile, in config's
// roleArgs or in the permission flags themselves): a worker whose argv holds one is refused.
import type { PermissionDialect } from './agent-permissions.js';

// The modes that cancel a role's rules, per CLI: a flag alone, or an option and the values that do.
interface Bypass {
  readonly flags: readonly string[];
  readonly options?: Readonly<Record<string, (value: string) => boolean>>;
}

const unquote = (value: string): string =>
  value
    .trim()
    .replace(/^(["'])(.*)\1$/, '$2')
    .trim();
const sandboxOff = (value: string): boolean => unquote(value) === 'danger-full-access';
const codexConfigOff = (value: string): boolean => {
  const eq = value.indexOf('=');
  return eq > 0 && value.slice(0, eq).trim() === 'sandbox_mode' && sandboxOff(value.slice(eq + 1));
};

const BYPASSES: Readonly<Record<string, Bypass>> = {
  claude: {
    flags: ['--dangerously-skip-permissions', '--allow-dangerously-skip-permissions'],
    options: { '--permission-mode': (v) => v === 'bypassPermissions' },
  },
  // `--yolo` is a hidden alias of --dangerously-bypass-approvals-and-sandbox (0.171: banner
  // "sandbox: danger-full-access"). `--approve-for-me` keeps the sandbox: not a bypass.
  codex: {
    flags: ['--dangerously-bypass-approvals-and-sandbox', '--yolo'],
    options: { '-s': sandboxOff, '--sandbox': sandboxOff, '-c': codexConfigOff, '--config': codexConfigOff },
  },
  gemini: { flags: ['--yolo', '-y'], options: { '--approval-mode': (v) => v === 'yolo' } },
  // `opencode run --auto`: "auto-approve permissions not explicitly denied" (AGENTS.md §5.1).
  opencode: { flags: ['--auto'] },
  // Not verified (aider is not installed): --yes-always, and --yes of older versions.
  aider: { flags: ['--yes-always', '--yes'] },
  // tmuxorch-sim skips its hooks with it.
  sim: { flags: ['--dangerously-skip-permissions'] },
};

const BINARIES: Readonly<Record<string, string>> = { 'tmuxorch-sim': 'sim' };

// The argv element(s) that cancel the rules, as written, or null.
function bypassTokens(bypass: Bypass, argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return null;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    // `--yolo=true` is yargs' and commander's spelling of the flag too.
    if (bypass.flags.includes(name) && (eq < 0 || unquote(arg.slice(eq + 1)) !== 'false')) return arg;
    for (const [option, cancels] of Object.entries(bypass.options ?? {})) {
      const next = argv[i + 1];
      if (arg === option && next !== undefined && cancels(next)) return `${arg} ${next}`;
      if (eq > 0 && name === option && cancels(arg.slice(eq + 1))) return arg;
      // Short options with their value attached (`-sdanger-full-access`, `-csandbox_mode=…`).
      if (
        option.length === 2 &&
        arg.length > 2 &&
        arg.startsWith(option) &&
        !arg.startsWith('--') &&
        cancels(arg.slice(2))
      )
        return arg;
    }
  }
  return null;
}

// A mode that cancels a role's rules, found in an argv: the sentence naming it, or null. The
// agent type names the CLI (a profile's type: the dialects, or aider); null or any other type
// is read from argv[0]'s program name. No CLI here reads a bypass from its environment
// (aider's AIDER_YES_ALWAYS aside, which the worker's environment filter does not pass on).
export function bypassIn(
  agent: PermissionDialect | 'aider' | null,
  argv: readonly string[],
  roleName: string,
): string | null {
  const program = (argv[0] ?? '').split('/').pop() ?? '';
  const cli = agent !== null && BYPASSES[agent] ? agent : (BINARIES[program] ?? program);
  const bypass = BYPASSES[cli];
  if (!bypass) return null;
  const found = bypassTokens(bypass, argv);
  return found === null
    ? null
    : `${cli} ${found} cancels role ${roleName}'s rules: remove it from the profile or the worker's arguments`;
}
