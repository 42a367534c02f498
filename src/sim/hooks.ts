// Hooks, in the shape Claude Code reads them from a settings file (`--settings FILE`):
//   {"hooks":{"Stop":[{"hooks":[{"type":"command","command":"…"}]}], "UserPromptSubmit": …}}
// Each command runs with `sh -c`, the event's JSON on its stdin, the agent's environment.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SimUsageError } from './session-store.js';

export type HookEvent = 'SessionStart' | 'UserPromptSubmit' | 'PermissionRequest' | 'Stop';

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
