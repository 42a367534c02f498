// Hooks, in the shape Claude Code reads them from a settings file (`--settings FILE`):
//   {"hooks":{"Stop":[{"hooks":[{"type":"command","command":"…"}]}], "UserPromptSubmit": …}}
// Each command runs with `sh -c`, the event's JSON on its stdin, the agent's environment.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SimUsageError } from './session-store.js';

export type HookEvent = 'SessionStart' | 'UserPromptSubmit' | 'PermissionRequest' | 'PreToolUse' | 'Stop';

// What the PreToolUse hooks said about a tool call (Claude Code's contract: exit 2 blocks with
// stderr as the reason; else stdout may hold hookSpecificOutput.permissionDecision).
export interface ToolDecision {
  readonly decision: 'allow' | 'deny' | 'ask' | null;
  readonly reason: string;
}

interface HookEntry {
  hooks?: Array<{ type?: string; command?: string }>;
}

export class Hooks {
  private constructor(private readonly commands: ReadonlyMap<string, readonly string[]>) {}

  static none(): Hooks {
    return new Hooks(new Map());
  }

  static fromSettingsFile(file: string): Hooks {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new SimUsageError(`cannot read settings ${file}: ${(error as Error).message}`);
    }
    const hooks = (parsed as { hooks?: Record<string, HookEntry[]> }).hooks ?? {};
    const commands = new Map<string, string[]>();
    for (const [event, entries] of Object.entries(hooks)) {
      const list = (Array.isArray(entries) ? entries : [])
        .flatMap((entry) => entry.hooks ?? [])
        .filter((hook) => hook.type === 'command' && typeof hook.command === 'string')
        .map((hook) => hook.command as string);
      commands.set(event, list);
    }
    return new Hooks(commands);
  }

  // Runs the PreToolUse hooks one after another; the first that denies (or asks) decides.
  async preToolUse(payload: Record<string, unknown>): Promise<ToolDecision> {
    let allowed: ToolDecision = { decision: null, reason: '' };
    for (const command of this.commands.get('PreToolUse') ?? []) {
      const said = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.on('error', (error) => resolve({ code: 1, out, err: String(error) }));
        child.on('close', (code) => resolve({ code, out, err }));
        child.stdin.on('error', () => undefined);
        child.stdin.end(JSON.stringify({ ...payload, hook_event_name: 'PreToolUse' }));
      });
      if (said.code === 2)
        return { decision: 'deny', reason: said.err.trim() || 'a PreToolUse hook blocked it' };
      let parsed: {
        hookSpecificOutput?: { permissionDecision?: unknown; permissionDecisionReason?: unknown };
      } = {};
      try {
        parsed = JSON.parse(said.out.trim() || '{}') as typeof parsed;
      } catch {
        // not JSON: no decision (as Claude Code reads it)
      }
      const decision = parsed.hookSpecificOutput?.permissionDecision;
      const reason = String(parsed.hookSpecificOutput?.permissionDecisionReason ?? '');
      if (decision === 'deny' || decision === 'ask') return { decision, reason };
      if (decision === 'allow') allowed = { decision: 'allow', reason };
    }
    return allowed;
  }

  // Starts the event's hooks and resolves when they have ended (errors are ignored, as a hook
  // must never break the agent).
  fire(event: HookEvent, payload: Record<string, unknown>): Promise<void> {
    const commands = this.commands.get(event) ?? [];
    return Promise.all(
      commands.map(
        (command) =>
          new Promise<void>((resolve) => {
            const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'ignore', 'ignore'] });
            child.on('error', () => resolve());
            child.on('close', () => resolve());
            child.stdin.on('error', () => undefined);
            child.stdin.end(JSON.stringify({ ...payload, hook_event_name: event }));
          }),
      ),
    ).then(() => undefined);
  }
}

// The turn's tool check: the PreToolUse hooks decide; an `ask` goes to the approval question the
// turn would ask anyway. Skipped entirely with --dangerously-skip-permissions (as Claude Code's).
export function toolChecker(
  hooks: Hooks,
  context: { readonly sessionId: string; readonly cwd: string; readonly skip: boolean },
  approve: (question: string) => Promise<boolean>,
): (tool: string, input: Record<string, unknown>) => Promise<string | null> {
  return async (tool, input) => {
    if (context.skip) return null;
    const said = await hooks.preToolUse({
      session_id: context.sessionId,
      cwd: context.cwd,
      tool_name: tool,
      tool_input: input,
    });
    if (said.decision === 'deny') return said.reason || `a PreToolUse hook denied ${tool}`;
    if (said.decision === 'ask' && !(await approve(said.reason || `allow ${tool}?`)))
      return `not approved: ${said.reason || tool}`;
    return null;
  };
}
