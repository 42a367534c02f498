// Follows a worker's pane log (written by `pipe-pane`) from a byte offset and hands out new text.
//
// Why a file, not %output: the log is written by tmux's pipe even while the controller is down,
// so a task that finished meanwhile is collected from its recorded offset when the controller
// comes back; one source of truth, no duplicate or missed bytes between two streams.
// inotify (fs.watch) wakes us within ~1 ms; a slow stat poll is only a safety net for missed events.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface LogTailerOptions {
  readonly file: string;
  readonly offset: number;
  readonly onText: (text: string, endOffset: number) => void;
  readonly onError?: (error: Error) => void;
  readonly safetyPollMs?: number;
}

const READ_CHUNK_BYTES = 256 * 1024;

export class LogTailer {
  private offset: number;
  private readonly decoder = new StringDecoder('utf8');
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private handle: FileHandle | null = null;
  private reading: Promise<void> | null = null;
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  private again = false;
  private closed = false;

  constructor(private readonly options: LogTailerOptions) {
    this.offset = options.offset;
  }

  get position(): number {
    return this.offset;
  }

  // Starts following; reads whatever is already past the offset at once.
  async start(): Promise<void> {
    await mkdir(dirname(this.options.file), { recursive: true });
    this.handle = await open(this.options.file, 'a+');
    this.watcher = watch(this.options.file, { persistent: false }, () => this.wake());
    this.watcher.on('error', (error) => this.options.onError?.(error));
    this.poll = setInterval(() => this.wake(), this.options.safetyPollMs ?? 1_000);
    this.poll.unref();
    await this.drain();
  }

  // Reads everything new now (also called by the owner when it expects output).
  wake(): void {
    void this.drain();
  }

  // Resolves once everything the file held at the time of the call has been handed out.
  async catchUp(): Promise<void> {
    await this.drain();
  }

  private drain(): Promise<void> {
    if (this.closed || !this.handle) return Promise.resolve();
    if (this.reading) {
      // The read in flight loops once more, so awaiting it covers what was written until now.
      this.again = true;
      return this.reading;
    }
    this.reading = this.readNew().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  // Reads until the end of the file (no stat: a short read means the end for now).
  private async readNew(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    try {
      do {
        this.again = false;
        for (;;) {
          if (this.closed) return;
          const { bytesRead } = await handle.read(this.buffer, 0, this.buffer.length, this.offset);
          if (bytesRead === 0) break;
          this.offset += bytesRead;
          const text = this.decoder.write(this.buffer.subarray(0, bytesRead));
          if (text) this.options.onText(text, this.offset);
          if (bytesRead < this.buffer.length) break;
        }
      } while (this.again && !this.closed);
    } catch (error) {
      if (!this.closed) this.options.onError?.(error as Error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
  }
}

// Current size of a file, 0 if it does not exist yet.
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
