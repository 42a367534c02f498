// Hooks of interactive agents: the agent runs our hook command on each event (Claude Code's
// `--settings` format), which appends the event's JSON payload as one line to
// state/hooks/<worker>.jsonl. The interactive driver reads the lines after a mark.
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../domain/marker.js';

export type HookEvent = Record<string, unknown> & { readonly hook_event_name?: unknown };

const EVENTS = ['UserPromptSubmit', 'PermissionRequest', 'Stop'] as const;

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
        events.push(JSON.parse(line) as HookEvent);
      } catch {
        // a line still being written
      }
    }
    return events;
  }
}
