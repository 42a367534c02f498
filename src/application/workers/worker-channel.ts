// The live link to one worker's output: its pane log, followed from an offset, fed through a
// MarkerScanner. Survives pane respawns (the log file stays the same), so a revived worker keeps
// its channel.
import { rename } from 'node:fs/promises';
import { MarkerScanner, type ScanEvent } from '../../domain/marker-scanner.js';
import { LogTailer, fileSize } from '../../infrastructure/logs/log-tailer.js';

export type TaskEndEvent = Extract<ScanEvent, { kind: 'end' }>;

interface ReadyWaiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class WorkerChannel {
  private readonly scanner = new MarkerScanner();
  private readonly readyWaiters = new Map<string, ReadyWaiter>();
  private tailer: LogTailer | null = null;
  // Told when the pane printed something (an interactive agent's screen may have changed).
  private readonly activity = new Set<() => void>();

  constructor(
    readonly workerId: string,
    readonly logFile: string,
    private readonly onTaskEnd: (event: TaskEndEvent) => void,
    private readonly onError: (error: Error) => void,
  ) {}

  // Starts reading the log at `offset` (a running task's offset after a restart, else the end).
  async open(offset?: number): Promise<void> {
    if (this.tailer) return;
    const start = offset ?? (await fileSize(this.logFile));
    this.tailer = new LogTailer({
      file: this.logFile,
      offset: start,
      onText: (text) => this.feed(text),
      onError: this.onError,
    });
    await this.tailer.start();
    this.updatePolling();
  }

  onActivity(listener: () => void): () => void {
    this.activity.add(listener);
    this.updatePolling();
    return () => {
      this.activity.delete(listener);
      this.updatePolling();
    };
  }

  // Bytes of the log read so far.
  get position(): number {
    return this.tailer?.position ?? 0;
  }

  expectTask(taskId: string): void {
    this.scanner.expectTask(taskId);
    this.tailer?.setPolling(true);
  }

  forget(id: string): void {
    this.scanner.forget(id);
    const waiter = this.readyWaiters.get(id);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.readyWaiters.delete(id);
    }
    this.updatePolling();
  }

  // The tailer's safety poll runs only while a marker or a probe is awaited.
  private updatePolling(): void {
    this.tailer?.setPolling(this.scanner.pendingIds.length > 0 || this.activity.size > 0);
  }

  // Resolves true when the shell prints the probe's ready line, false after `timeoutMs`.
  waitReady(probeId: string, timeoutMs: number): Promise<boolean> {
    this.scanner.expectReady(probeId);
    this.tailer?.setPolling(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.forget(probeId);
        resolve(false);
      }, timeoutMs);
      this.readyWaiters.set(probeId, { resolve: () => resolve(true), timer });
    });
  }

  // Reads whatever the log has now (used before judging a worker dead: its last words count).
  async drain(): Promise<void> {
    await this.tailer?.catchUp();
  }

  // Starts a fresh log when this one has grown past `maxBytes`: the old one is kept as `.1` (one
  // generation), `repipe` points the pane's pipe at the new file, and reading starts at its top.
  // Only call it while the worker is idle: no task's output may straddle the two files.
  async rotateIfLarger(maxBytes: number, repipe: () => Promise<void>): Promise<boolean> {
    // What was read so far is at most the file's size: no stat while the log is small.
    if (!this.tailer || this.position <= maxBytes) return false;
    if ((await fileSize(this.logFile)) <= maxBytes) return false;
    await this.tailer.catchUp();
    await rename(this.logFile, `${this.logFile}.1`);
    await repipe();
    await this.tailer.close();
    this.tailer = null;
    await this.open(0);
    return true;
  }

  async close(): Promise<void> {
    for (const id of [...this.readyWaiters.keys()]) this.forget(id);
    await this.tailer?.close();
    this.tailer = null;
  }

  private feed(text: string): void {
    for (const listener of this.activity) listener();
    const events = this.scanner.push(text);
    if (events.length > 0) this.updatePolling();
    for (const event of events) {
      if (event.kind === 'end') this.onTaskEnd(event);
      else if (event.kind === 'ready') {
        const waiter = this.readyWaiters.get(event.probeId);
        if (waiter) {
          clearTimeout(waiter.timer);
          this.readyWaiters.delete(event.probeId);
          waiter.resolve();
        }
      }
    }
  }
}
