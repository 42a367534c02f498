// The workflow file as its parser reads it, before zod normalizes it (durations stay `5m`): what
// the CLI and the API send the daemon, which validates it again itself.
import { parse } from 'yaml';
import type { WorkflowFile } from './workflow-file.js';

export function workflowDocument(file: Pick<WorkflowFile, 'text' | 'path'>): unknown {
  return file.path.endsWith('.json') ? (JSON.parse(file.text) as unknown) : (parse(file.text) as unknown);
}
