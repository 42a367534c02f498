// Hooks of interactive agents: the agent runs our hook command on each event (Claude Code's
// `--settings` format), which appends the event's JSON payload as one line to
// state/hooks/<worker>.jsonl. The interactive driver reads the lines after a mark.
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../domain/marker.js';

export type HookEvent = Record<string, unknown> & { readonly hook_event_name?: unknown };

const EVENTS = ['UserPromptSubmit', 'PermissionRequest', 'Stop'] as const;

const TITLE_TURN = /^Generate a concise, single-line task title/;

// Codex's notify payload as the Stop event it means; its hidden title-generation turn is dropped
// (it fires while the real turn may still wait for approval).
export function normalize(event: HookEvent): HookEvent | null {
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
  constructor(private readonly dir: string) {}

  private logFile(workerId: string): string {
    return join(this.dir, `${workerId}.jsonl`);
  }

  // The settings file to pass with `--settings`: every event appends its payload to the log.
  settingsFile(workerId: string): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const command = `{ cat; echo; } >> ${shellQuote(this.logFile(workerId))}`;
    const hooks = Object.fromEntries(
      EVENTS.map((event) => [event, [{ hooks: [{ type: 'command', command }] }]]),
    );
    const file = join(this.dir, `${workerId}.settings.json`);
    writeFileSync(file, `${JSON.stringify({ hooks })}\n`, { mode: 0o600 });
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
