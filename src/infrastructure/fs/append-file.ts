// Appending to a private file: created 0600 if it is not there, never through a symbolic link
// planted in its place (O_NOFOLLOW), each write at the end (O_APPEND).
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export async function appendPrivate(file: string, text: string): Promise<void> {
  const handle = await open(
    file,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.write(text);
  } finally {
    await handle.close();
  }
}
