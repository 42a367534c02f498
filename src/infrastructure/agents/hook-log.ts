// Hooks of interactive agents: the agent runs our hook command on each event (Claude Code's
// `--settings` format, codex's notify, gemini's system settings, an opencode plugin), which
// appends the event's JSON payload as one line to state/hooks/<worker>.jsonl. The interactive
// driver reads the lines after a mark, each in Claude's shape (see `normalize`).
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { geminiSettingsText, opencodeConfigContent } from '../../domain/agents/hook-settings.js';
import type { HookKind } from '../../domain/agents/profile.js';
import { shellQuote } from '../../domain/marker.js';
import { isRootOnlyPath } from '../fs/root-owned-path.js';
import { opencodePluginSource } from '../process/opencode-plugin.js';
import { tmuxorchScript } from '../process/bundled-agent.js';
import type { WorkerKeys } from '../ipc/worker-keys.js';

export type HookEvent = Record<string, unknown> & { readonly hook_event_name?: unknown };

const EVENTS = ['UserPromptSubmit', 'PermissionRequest', 'Stop'] as const;

const TITLE_TURN = /^Generate a concise, single-line task title/;

// Where gemini's system settings are when the machine has some (merged into the worker's file).
const GEMINI_SYSTEM_SETTINGS = '/etc/gemini-cli/settings.json';
// Gemini's answer to a turn cancelled with Esc (AfterAgent still fires).
const GEMINI_NO_RESPONSE = '[no response text]';

// Gemini's events (names of its own) as the Claude events they mean: AfterAgent ends the turn
// with its answer, BeforeAgent took the prompt, a ToolPermission notification asks for approval
// (no other Notification is asked for). Null: not one of gemini's.
function fromGemini(event: HookEvent): HookEvent | null {
  const session = { session_id: event.session_id };
  switch (event.hook_event_name) {
    case 'AfterAgent': {
      const answer = event.prompt_response;
      const text = typeof answer === 'string' && answer !== GEMINI_NO_RESPONSE ? answer : null;
      return { hook_event_name: 'Stop', ...session, last_assistant_message: text };
    }
    case 'BeforeAgent':
      return { hook_event_name: 'UserPromptSubmit', ...session };
    case 'Notification':
      return event.notification_type === 'ToolPermission'
        ? { hook_event_name: 'PermissionRequest', ...session }
        : null;
    default:
      return null;
  }
}

// Codex's notify payload as the Stop event it means; its hidden title-generation turn is dropped
// (it fires while the real turn may still wait for approval). Gemini's events are renamed.
export function normalize(event: HookEvent): HookEvent | null {
  const gemini = fromGemini(event);
  if (gemini || event.hook_event_name === 'Notification') return gemini;
  if (event.type !== 'agent-turn-complete') return event;
  const inputs = Array.isArray(event['input-messages']) ? (event['input-messages'] as unknown[]) : [];
  if (inputs.some((m) => typeof m === 'string' && TITLE_TURN.test(m))) return null;
  return {
    hook_event_name: 'Stop',
    session_id: event['thread-id'],
    last_assistant_message: event['last-assistant-message'],
  };
}

export class HookLog {
  // `keys`: the workers' own keys, which their policy hooks prove with (null where no daemon
  // listens: an ephemeral fleet's hooks have nobody to ask and fail closed).
  constructor(
    private readonly dir: string,
    readonly keys: WorkerKeys | null = null,
  ) {}

  get directory(): string {
    return this.dir;
  }

  private logFile(workerId: string): string {
    return join(this.dir, `${workerId}.jsonl`);
  }

  // The settings file to pass with `--settings`: every event appends its payload to the log,
  // and a worker with a role has its tool calls checked first (PreToolUse, layer 3 of policy/).
  settingsFile(workerId: string, policed = false, events = true): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const command = this.appendCommand(workerId);
    const hooks: Record<string, unknown> = events
      ? Object.fromEntries(EVENTS.map((event) => [event, [{ hooks: [{ type: 'command', command }] }]]))
      : {};
    // A day: the hook waits there for a person's answer to what the role asks about.
    if (policed)
      hooks.PreToolUse = [
        {
          matcher: '*',
          hooks: [{ type: 'command', command: this.policyCommand(workerId), timeout: 86_400 }],
        },
      ];
    const file = join(this.dir, `${workerId}.${events ? 'settings' : 'policy'}.json`);
    writeFileSync(file, `${JSON.stringify({ hooks })}\n`, { mode: 0o600 });
    return file;
  }

  // `tmuxorch policy check` for the worker, with this Node (the pane's PATH may have another).
  // Fails closed: a check that could not run at all (a crash, a missing file after an upgrade)
  // exits 2, which both Claude Code and gemini read as "blocked"; any other failure would let
  // the tool call go on.
  policyCommand(workerId: string, format: 'claude' | 'gemini' = 'claude'): string {
    return `${this.policyArgv(workerId, format).map(shellQuote).join(' ')} || exit 2`;
  }

  policyArgv(workerId: string, format: 'claude' | 'gemini' = 'claude'): string[] {
    return [
      process.execPath,
      tmuxorchScript(),
      'policy',
      'check',
      '--worker',
      workerId,
      '--format',
      format,
      ...(this.keys ? ['--key-file', this.keys.write(workerId)] : []),
    ];
  }

  // The worker's own hook log, created: a sandbox lets the worker write this file, not the
  // directory (which holds every worker's hook settings).
  ensureLogFile(workerId: string): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.logFile(workerId);
    writeFileSync(file, '', { flag: 'a', mode: 0o600 });
    return file;
  }

  // `-c notify=[…]` for codex: the payload is the program's last argument, appended as a line.
  codexNotifyArgs(workerId: string): string[] {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const program = [
      'sh',
      '-c',
      `printf '%s\\n' "$1" >> ${shellQuote(this.logFile(workerId))}`,
      'tmuxorch-notify',
    ];
    // A JSON array of strings is a TOML inline array.
    return ['-c', `notify=${JSON.stringify(program)}`];
  }

  // The command every hook runs: its stdin (the event's JSON) becomes one line of the log.
  private appendCommand(workerId: string): string {
    return `{ cat; echo; } >> ${shellQuote(this.logFile(workerId))}`;
  }

  // Whether a worker of this hook kind gets its events here (gemini: only where it would read
  // our settings file; see root-owned-path.ts). Without them the screen tells.
  wired(kind: HookKind | null): boolean {
    if (kind !== 'gemini-system-settings') return kind !== null;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return isRootOnlyPath(this.dir);
  }

  // The environment variables that hand the worker's TUI our hooks (gemini, opencode); `env` is
  // the worker's own, whose OPENCODE_CONFIG_CONTENT is kept and extended.
  hookEnv(
    workerId: string,
    kind: HookKind | null,
    env: Readonly<Record<string, string>>,
    // A worker with a role: gemini checks each tool call with tmuxorch first; `events`: the turn
    // events too (an interactive worker's).
    policy: { readonly events: boolean } | null = null,
  ): Record<string, string> {
    if (kind === 'gemini-system-settings') {
      if (!this.wired(kind)) return {};
      let base: string | null = null;
      try {
        base = readFileSync(GEMINI_SYSTEM_SETTINGS, 'utf8');
      } catch {
        // no system settings on this machine
      }
      const file = join(this.dir, `${workerId}.gemini-settings.json`);
      const check = policy
        ? { command: this.policyCommand(workerId, 'gemini'), events: policy.events }
        : null;
      writeFileSync(file, geminiSettingsText(base, this.appendCommand(workerId), check), { mode: 0o600 });
      return { GEMINI_CLI_SYSTEM_SETTINGS_PATH: realpathSync(file) };
    }
    if (kind === 'opencode-plugin') {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const file = join(this.dir, `${workerId}.opencode-plugin.mjs`);
      const check = policy ? this.policyArgv(workerId) : null;
      writeFileSync(file, opencodePluginSource(this.logFile(workerId), check), { mode: 0o600 });
      const content = opencodeConfigContent(env.OPENCODE_CONFIG_CONTENT, pathToFileURL(file).href);
      return content === null ? {} : { OPENCODE_CONFIG_CONTENT: content };
    }
    return {};
  }

  // Where the log ends now.
  mark(workerId: string): number {
    try {
      return statSync(this.logFile(workerId)).size;
    } catch {
      return 0;
    }
  }

  // The events logged after `mark`.
  since(workerId: string, mark: number): HookEvent[] {
    const end = this.mark(workerId);
    if (end <= mark) return [];
    const buffer = Buffer.alloc(end - mark);
    const fd = openSync(this.logFile(workerId), 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, mark);
    } finally {
      closeSync(fd);
    }
    const events: HookEvent[] = [];
    for (const line of buffer.toString('utf8').split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      try {
        const event = normalize(JSON.parse(line) as HookEvent);
        if (event) events.push(event);
      } catch {
        // a line still being written
      }
    }
    return events;
  }
}
