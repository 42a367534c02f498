// Follows a worker's pane log (written by `pipe-pane`) from a byte offset and hands out new text.
//
// Why a file, not %output: the log is written by tmux's pipe even while the controller is down,
// so a task that finished meanwhile is collected from its recorded offset when the controller
// comes back; one source of truth, no duplicate or missed bytes between two streams.
// inotify (fs.watch) wakes us within ~1 ms; a slow poll, armed only while something is awaited,
// is a safety net for missed events.
import { closeSync, constants, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
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
// 4 MiB per wake, then the rest on the next turn of the event loop.
const MAX_CHUNKS_PER_WAKE = 16;

export class LogTailer {
  private offset: number;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  private watcher: FSWatcher | null = null;
  private poll: NodeJS.Timeout | null = null;
  private fd: number | null = null;
  private draining = false;
  private closed = false;

  constructor(private readonly options: LogTailerOptions) {
    this.offset = options.offset;
  }

  get position(): number {
    return this.offset;
  }

  // Starts following; reads whatever is already past the offset at once.
  async start(): Promise<void> {
    await mkdir(dirname(this.options.file), { recursive: true, mode: 0o700 });
    // Created here (before pipe-pane appends to it) 0600, and never through a symbolic link.
    this.fd = openSync(this.options.file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    this.watcher = watch(this.options.file, { persistent: false }, () => this.drain(MAX_CHUNKS_PER_WAKE));
    this.watcher.on('error', (error) => this.options.onError?.(error));
    this.drain(Infinity);
  }

  // The safety poll runs only while the owner waits for something (a marker, a probe): an idle
  // fleet of 100 workers must not wake 100 timers a second.
  setPolling(on: boolean): void {
    if (on && !this.poll && !this.closed) {
      this.poll = setInterval(() => this.drain(MAX_CHUNKS_PER_WAKE), this.options.safetyPollMs ?? 1_000);
      this.poll.unref();
    } else if (!on && this.poll) {
      clearInterval(this.poll);
      this.poll = null;
    }
  }

  // Reads everything new now.
  wake(): void {
    this.drain(MAX_CHUNKS_PER_WAKE);
  }

  // Resolves once everything the file held at the time of the call has been handed out.
  async catchUp(): Promise<void> {
    this.drain(Infinity);
  }

  // Reads to the end of the file with synchronous reads: a pane log grows by a few hundred bytes
  // at a time, and a readSync of that costs microseconds where a thread-pool round trip costs a
  // tenth of a millisecond (the throughput of the whole fleet hangs on this path). A flood of
  // output is read in slices so other work still gets its turn.
  private drain(maxChunks: number): void {
    if (this.closed || this.fd === null || this.draining) return;
    this.draining = true;
    try {
      for (let chunks = 0; ; chunks++) {
        if (chunks >= maxChunks) {
          setImmediate(() => this.drain(MAX_CHUNKS_PER_WAKE));
          return;
        }
        const bytesRead = readSync(this.fd, this.buffer, 0, this.buffer.length, this.offset);
        if (bytesRead === 0) return;
        this.offset += bytesRead;
        const text = this.decoder.write(this.buffer.subarray(0, bytesRead));
        if (text) this.options.onText(text, this.offset);
        if (this.closed) return;
      }
    } catch (error) {
      if (!this.closed) this.options.onError?.(error as Error);
    } finally {
      this.draining = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.setPolling(false);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
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
