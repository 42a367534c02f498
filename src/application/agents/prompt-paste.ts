// Pastes a prompt into a pane through a file (0600) and a named buffer, neither of which outlives
// the paste: `paste-buffer -d` deletes the buffer, and a failed paste deletes it here. (Typed
// keys would be echoed and logged by tmux; a paste is one bracketed block the TUI takes whole.)
import { rmSync } from 'node:fs';
import { writePrivateFileSync } from '../../infrastructure/fs/private-file.js';
import type { TmuxPort } from '../ports/tmux.js';

export async function pastePrompt(
  server: TmuxPort,
  paneId: string,
  file: string,
  prompt: string,
  buffer: string,
): Promise<void> {
  writePrivateFileSync(file, prompt);
  try {
    await server.pane(paneId).pasteFile(file, buffer);
  } catch (error) {
    await server.deleteBuffer(buffer).catch(() => undefined);
    throw error;
  } finally {
    rmSync(file, { force: true });
  }
}
