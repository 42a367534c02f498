// What the use cases need of a task's files, and nothing else: its directory, the script its pane
// sources, the agent's stdout, its collected output, and the end of a log. The concrete files live
// in infrastructure/tasks/task-files.ts; the composition root hands them over, and a test can
// hand over a fake.
export interface TaskFilesPort {
  // The task's directory, made if needed (before anything writes into it).
  ensureDir(taskId: string): string;
  dir(taskId: string): string;
  agentStdoutPath(taskId: string): string;
  readAgentStdout(taskId: string): Promise<string>;
  // The agent's stdout with secrets cut out, written back; its text.
  redactAgentStdout(taskId: string, redact: (text: string) => string): Promise<string>;
  scriptPath(taskId: string): string;
  writeScript(taskId: string, script: string, options?: { secret?: boolean }): string;
  writeOutput(taskId: string, output: string, raw: string): Promise<void>;
  readOutput(taskId: string): Promise<string>;
  remove(taskId: string): Promise<void>;
  // A file (a pane log) from byte `from` to its end now, as text; '' when it is not there.
  readFrom(file: string, from: number): Promise<string>;
}
