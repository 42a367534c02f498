// What a dispatch types into a worker's pane for a task, and what the task stores as its command.
// A one-line command is typed whole (no file to write and read back per task); any other goes
// through a script file. A command with a secret is never typed (tmux logs send-keys, the tty
// echoes it): it runs from a script that deletes itself, and is stored redacted. An interactive
// agent gets its prompt pasted instead (no line).
import { buildSourceLine, buildTaskLine, buildTaskScript } from '../../domain/marker.js';
import type { Task } from '../../domain/task.js';
import type { Worker } from '../../domain/worker.js';
import type { AgentTasks } from '../agents/agent-tasks.js';
import type { TaskFilesPort } from '../ports/files.js';

export interface TypedTask {
  readonly interactive: boolean;
  // The command as stored: secrets cut out.
  readonly storedCommand: string;
  // The line typed into the pane ('' for an interactive agent).
  readonly line: string;
}

export interface TypedTaskDeps {
  readonly files: TaskFilesPort;
  readonly agents: AgentTasks;
  readonly rcFile: string;
  readonly redact: (workerId: string, text: string) => string;
}

// `real`: the task with its real command and prompt (secrets in, from memory).
export function typedTask(deps: TypedTaskDeps, worker: Worker, real: Task): TypedTask {
  const interactive = worker.mode === 'interactive';
  const command = interactive ? (real.prompt ?? real.command) : deps.agents.commandFor(worker, real);
  const storedCommand = deps.redact(worker.id, command);
  if (interactive) return { interactive, storedCommand, line: '' };
  const secret = storedCommand !== command;
  const line =
    (secret ? null : buildTaskLine(real.id, command, deps.rcFile)) ??
    buildSourceLine(deps.files.writeScript(real.id, buildTaskScript(real.id, command), { secret }));
  return { interactive, storedCommand, line };
}
