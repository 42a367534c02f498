// A project directory a worker, a run or a job names: it must be there and enterable, or the
// request fails at once with a clear sentence (rather than a pane that cannot cd into it).
import { access, constants } from 'node:fs/promises';
import { ProjectNotFoundError } from '../../domain/errors.js';

export async function checkProject(project: string): Promise<void> {
  try {
    await access(project, constants.R_OK | constants.X_OK);
  } catch {
    throw new ProjectNotFoundError(`project directory ${project} does not exist or cannot be entered`, {
      project,
    });
  }
}
