// Scratch homes for the real agent CLIs (test/e2e/agents-real.test.ts): a HOME, a CODEX_HOME and a
// Claude Code config directory (CLAUDE_CONFIG_DIR) per test, the daemon's environment with none of
// the machine's agent variables, and the seed that starts Claude's interactive TUI straight at its
// prompt without a network (../shared/AGENTS.md §2.3): onboarding done (else the first run dials
// api.anthropic.com and exits offline), the environment's API key approved (else it asks "Do you
// want to use this API key?", default No) and, optionally, projects trusted (else it shows the
// workspace trust prompt).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_AGENT_CLIS } from './agent-clis.js';

export interface Scratch {
  // HOME for the daemon and its panes: no real login of this machine is seen.
  readonly home: string;
  // Outside /tmp when possible: codex warns about a CODEX_HOME under a temporary dir.
  readonly codexHome: string;
  // For CLAUDE_CONFIG_DIR (inside `home`; created by seedClaudeConfig).
  readonly claudeConfigDir: string;
  remove(): Promise<void>;
}

export async function createScratch(): Promise<Scratch> {
  const home = await mkdtemp(join(tmpdir(), 'tmuxorch-agent-home-'));
  let codexHome: string;
  try {
    const parent = join(REPO_AGENT_CLIS, 'scratch');
    await mkdir(parent, { recursive: true });
    codexHome = await mkdtemp(join(parent, 'codex-home-'));
  } catch {
    codexHome = await mkdtemp(join(tmpdir(), 'tmuxorch-codex-home-'));
  }
  return {
    home,
    codexHome,
    claudeConfigDir: join(home, 'claude-config'),
    async remove() {
      await rm(home, { recursive: true, force: true });
      await rm(codexHome, { recursive: true, force: true });
    },
  };
}

// Inherited variables that could log a CLI in, point it elsewhere or move its config: none of the
// machine's reach the daemon (and so the panes).
const SCRUBBED_PREFIXES = ['ANTHROPIC_', 'CLAUDE', 'OPENAI_', 'CODEX_', 'GEMINI_', 'GOOGLE_', 'XDG_'];

// The daemon's environment: the CLIs (in `cliDir`) first on PATH, a scratch HOME, nothing of the
// machine's agent variables, plus `extra`.
export function agentEnv(
  scratch: Scratch,
  cliDir: string,
  extra: Record<string, string> = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) {
    if (SCRUBBED_PREFIXES.some((prefix) => key.startsWith(prefix))) env[key] = undefined;
  }
  return {
    ...env,
    PATH: `${cliDir}${delimiter}${process.env.PATH ?? ''}`,
    HOME: scratch.home,
    CODEX_HOME: scratch.codexHome,
    ...extra,
  };
}

export interface ClaudeSeed {
  // The ANTHROPIC_API_KEY the TUI will see: Claude remembers its approval by the last 20 chars.
  readonly apiKey: string;
  // Absolute project directories whose trust dialog counts as accepted.
  readonly trusted?: readonly string[];
}

// The content of <CLAUDE_CONFIG_DIR>/.claude.json for `seed`.
export function claudeConfig(seed: ClaudeSeed): Record<string, unknown> {
  return {
    hasCompletedOnboarding: true,
    customApiKeyResponses: { approved: [seed.apiKey.slice(-20)], rejected: [] },
    projects: Object.fromEntries((seed.trusted ?? []).map((dir) => [dir, { hasTrustDialogAccepted: true }])),
  };
}

// Writes the seeded .claude.json into the scratch's CLAUDE_CONFIG_DIR.
export async function seedClaudeConfig(scratch: Scratch, seed: ClaudeSeed): Promise<void> {
  await mkdir(scratch.claudeConfigDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(scratch.claudeConfigDir, '.claude.json'),
    `${JSON.stringify(claudeConfig(seed), null, 2)}\n`,
    { mode: 0o600 },
  );
}

// Every file under a directory (absolute paths).
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

// The files under `dir` whose text holds `secret` (sockets skipped).
export async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const holding: string[] = [];
  for (const file of await filesUnder(dir)) {
    if (file.endsWith('.sock')) continue;
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes(secret)) holding.push(file);
  }
  return holding;
}

// The daemon's environment for claude against an Anthropic stand-in at `url`, plus `extra`.
export function claudeEnv(
  scratch: Scratch,
  cliDir: string,
  url: string,
  apiKey: string,
  extra: Record<string, string> = {},
): Record<string, string | undefined> {
  return agentEnv(scratch, cliDir, {
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: apiKey,
    // A refused request fails in under a second instead of ~3 minutes of retries.
    CLAUDE_CODE_MAX_RETRIES: '0',
    DISABLE_AUTOUPDATER: '1',
    // No telemetry or update checks towards the real service where the machine has a network.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...extra,
  });
}

// Whether Claude's config (in the scratch's CLAUDE_CONFIG_DIR) records the project as trusted.
export async function claudeTrusts(scratch: Scratch, project: string): Promise<boolean> {
  const text = await readFile(join(scratch.claudeConfigDir, '.claude.json'), 'utf8');
  const config = JSON.parse(text) as { projects?: Record<string, { hasTrustDialogAccepted?: unknown }> };
  return config.projects?.[project]?.hasTrustDialogAccepted === true;
}

export interface HookPayload {
  readonly hook_event_name: string;
  readonly session_id: string;
  readonly [key: string]: unknown;
}

// The hook payloads an interactive worker logged (state/hooks/<worker id>.jsonl of a tmuxorch home).
export async function hookEvents(tmuxorchHome: string, workerId: string): Promise<HookPayload[]> {
  const text = await readFile(join(tmuxorchHome, 'state', 'hooks', `${workerId}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as HookPayload);
}
