// The real text of a task's command or prompt when a secret had to be cut out of what is stored
// (a known value, a key's shape, `TOKEN=…`, a URL's password). It lives in memory only, for the
// task's attempts (retries included): the state file and the journal never see it.
import type { TaskRequest } from '../../domain/task.js';

interface SecretInput {
  readonly command: string;
  readonly prompt: string | null;
}

// What a task that lost its secret says, instead of running a command with `***` in it.
export const SECRET_LOST_REASON =
  'its command held a secret, which is kept in memory only, and the controller restarted before it ran: send it again';

export interface StoredInput {
  readonly command: string;
  readonly prompt: string | null;
  readonly secretInMemory?: true;
}

export class SecretInputs {
  private readonly inputs = new Map<string, SecretInput>();

  constructor(private readonly redact: (workerId: string, text: string) => string) {}

  // What to store for a new task; the real text is kept when it differs.
  admit(taskId: string, input: TaskRequest): StoredInput {
    const prompt = input.prompt ?? null;
    const command = this.redact(input.workerId, input.command);
    const storedPrompt = prompt === null ? null : this.redact(input.workerId, prompt);
    if (command === input.command && storedPrompt === prompt) return { command, prompt };
    this.inputs.set(taskId, { command: input.command, prompt });
    return { command, prompt: storedPrompt, secretInMemory: true };
  }

  // The real command and prompt of a task, or undefined when only a previous controller knew.
  get(taskId: string): SecretInput | undefined {
    return this.inputs.get(taskId);
  }

  forget(taskId: string): void {
    this.inputs.delete(taskId);
  }
}
