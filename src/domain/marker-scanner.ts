// Incremental parser of one pane's output stream for the marker protocol (marker.ts builds it).
//
// - Chunks are decoded text cut anywhere (mid-line, mid-escape). push() scans only the new chunk
//   for `\n`; the unfinished line waits in `line`.
// - A marker counts only as a WHOLE line after cleanLine(): the shell echoes typed lines at once,
//   so a substring test would fire before the task ran. Only ids registered by expect* match,
//   and each is forgotten after its event.
// - Output = text between the begin line and the end line, minus the one `\n` the script prints
//   before the end marker; kept raw (CRLF → LF) and cleaned, each as a tail of maxOutputChars.
// - Bounded memory: lines are dropped while no task is between its markers; the unfinished line
//   is capped at maxLineChars. An overlong line is never a marker; while a task captures, its
//   head is flushed to the output. The cleaned form keeps only the text after the line's last
//   `\r` (a progress bar redrawn for hours costs nothing); an overlong line without `\r` is
//   flushed in cleaned pieces, which a later `\r` on that line can no longer erase.
import { cleanLine } from './terminal-text.js';
import { isSafeMarkerId, parseEndedAtMs } from './marker.js';

// What push() reports, in stream order.
export type ScanEvent =
  | { kind: 'begin'; taskId: string }
  | {
      kind: 'end';
      taskId: string;
      exitCode: number;
      // When the command ended by the shell's clock, ms since the epoch (null: not reported).
      endedAtMs: number | null;
      output: string;
      rawOutput: string;
      truncated: boolean;
      beginSeen: boolean;
    }
  | { kind: 'ready'; probeId: string };

export interface MarkerScannerOptions {
  // Characters of output kept per task (its tail); default 8 Mi.
  maxOutputChars?: number;
  // Characters of an unfinished line kept before it is flushed or dropped; default 64 Ki.
  maxLineChars?: number;
}

export const DEFAULT_MAX_OUTPUT_CHARS = 8 * 1024 * 1024;
export const DEFAULT_MAX_LINE_CHARS = 64 * 1024;

const ID = '([A-Za-z0-9_-]{6,64})';
const MARKER_LINE = new RegExp(
  `^---(?:BEGIN-OUTPUT-${ID}|END-OF-OUTPUT-${ID}:(\\d{1,10})(?:@([0-9.,]{0,24}))?|READY-${ID})---$`,
);

// Keeps the last `cap` characters of everything appended, in amortised O(appended length).
// Small appends (one per line) are grouped so a long output is a few big strings, not millions.
class TailText {
  private parts: string[] = [];
  private head = 0;
  private recent: string[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  append(text: string): void {
    if (text.length === 0) return;
    this.recent.push(text);
    this.size += text.length;
    if (this.recent.length >= 1024) this.seal();
    if (this.size <= this.cap) return;
    this.truncated = true;
    while (this.size > this.cap) {
      if (this.head === this.parts.length) this.seal();
      const first = this.parts[this.head] ?? '';
      const excess = this.size - this.cap;
      if (first.length <= excess) {
        this.parts[this.head++] = '';
        this.size -= first.length;
      } else {
        this.parts[this.head] = first.slice(excess);
        this.size -= excess;
      }
    }
    if (this.head > 64 && this.head * 2 > this.parts.length) {
      this.parts = this.parts.slice(this.head);
      this.head = 0;
    }
  }

  text(): string {
    return this.parts.slice(this.head).join('') + this.recent.join('');
  }

  private seal(): void {
    this.parts.push(this.recent.join(''));
    this.recent = [];
  }
}

interface TaskWatch {
  readonly kind: 'task';
  begun: boolean;
  raw: TailText;
  clean: TailText;
}
type Watch = TaskWatch | { readonly kind: 'ready' };

function checkedInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

function withoutFinalNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

// Finds begin/end/ready marker lines of expected ids in a pane's output stream.
export class MarkerScanner {
  private readonly maxOutputChars: number;
  private readonly maxLineChars: number;
  private readonly watches = new Map<string, Watch>();
  // Tasks between their begin and end lines, receiving output.
  private active: TaskWatch[] = [];
  // The unfinished line (raw), its cleaned-form prefix already cut off, and whether it was cut.
  private line = '';
  private cleanCarry = '';
  private lineBroken = false;

  constructor(options: MarkerScannerOptions = {}) {
    this.maxOutputChars = checkedInt('maxOutputChars', options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS, 0);
    this.maxLineChars = checkedInt('maxLineChars', options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS, 256);
  }

  // Ids still awaited, tasks and probes.
  get pendingIds(): readonly string[] {
    return [...this.watches.keys()];
  }

  // Starts looking for this task's begin and end lines (again from scratch if already expected).
  expectTask(taskId: string): void {
    this.watch(taskId, {
      kind: 'task',
      begun: false,
      raw: new TailText(this.maxOutputChars + 1),
      clean: new TailText(this.maxOutputChars + 1),
    });
  }

  // Starts looking for this probe's ready line.
  expectReady(probeId: string): void {
    this.watch(probeId, { kind: 'ready' });
  }

  // Stops looking for an id (task cancelled, probe abandoned); unknown ids are fine.
  forget(id: string): void {
    const watch = this.watches.get(id);
    this.watches.delete(id);
    if (watch?.kind === 'task' && watch.begun) this.active = this.active.filter((w) => w !== watch);
  }

  // Feeds decoded pane output; returns the marker events it completes, in order.
  push(chunk: string): ScanEvent[] {
    const events: ScanEvent[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      const raw = this.line.length === 0 ? piece : this.line + piece;
      this.line = '';
      start = nl + 1;
      this.onLine(raw, events);
    }
    if (start < chunk.length) {
      this.line += start === 0 ? chunk : chunk.slice(start);
      if (this.line.length > this.maxLineChars) this.onOverlongLine();
    }
    return events;
  }

  private watch(id: string, watch: Watch): void {
    if (!isSafeMarkerId(id)) throw new RangeError(`not a marker id: ${JSON.stringify(id.slice(0, 80))}`);
    this.forget(id);
    this.watches.set(id, watch);
  }

  private onLine(raw: string, events: ScanEvent[]): void {
    const carry = this.cleanCarry;
    // Cut or not, a line this long is never a marker: the answer must not depend on chunking.
    const broken = this.lineBroken || raw.length > this.maxLineChars;
    this.cleanCarry = '';
    this.lineBroken = false;
    if (this.watches.size === 0) return;
    const mayBeMarker = !broken && raw.includes('---');
    if (this.active.length === 0 && !mayBeMarker) return;
    const clean = cleanLine(carry + raw);
    if (mayBeMarker && this.onMarker(clean, events)) return;
    const rawLine = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    for (const task of this.active) {
      task.raw.append(`${rawLine}\n`);
      task.clean.append(`${clean}\n`);
    }
  }

  // Handles a line that is a marker of an expected id; false for any other line.
  private onMarker(clean: string, events: ScanEvent[]): boolean {
    const match = MARKER_LINE.exec(clean);
    if (!match) return false;
    const [, beginId, endId, exitCode, endedAt, readyId] = match;
    if (beginId !== undefined) {
      const watch = this.watches.get(beginId);
      if (watch?.kind !== 'task' || watch.begun) return false;
      watch.begun = true;
      this.active.push(watch);
      events.push({ kind: 'begin', taskId: beginId });
      return true;
    }
    if (endId !== undefined && exitCode !== undefined) {
      const watch = this.watches.get(endId);
      if (watch?.kind !== 'task') return false;
      this.forget(endId);
      events.push({
        kind: 'end',
        taskId: endId,
        exitCode: Number(exitCode),
        endedAtMs: parseEndedAtMs(endedAt),
        output: watch.begun ? withoutFinalNewline(watch.clean.text()) : '',
        rawOutput: watch.begun ? withoutFinalNewline(watch.raw.text()) : '',
        truncated: watch.raw.truncated || watch.clean.truncated,
        beginSeen: watch.begun,
      });
      return true;
    }
    if (readyId !== undefined && this.watches.get(readyId)?.kind === 'ready') {
      this.watches.delete(readyId);
      events.push({ kind: 'ready', probeId: readyId });
      return true;
    }
    return false;
  }

  // The unfinished line outgrew maxLineChars: it can no longer be a marker.
  private onOverlongLine(): void {
    this.lineBroken = true;
    if (this.active.length === 0) {
      this.line = '';
      this.cleanCarry = '';
      return;
    }
    // Keep a trailing `\r` back: with the next `\n` it is a CRLF line end.
    const cut = this.line.endsWith('\r') ? this.line.length - 1 : this.line.length;
    const head = this.line.slice(0, cut);
    this.line = this.line.slice(cut);
    for (const task of this.active) task.raw.append(head);
    let carry = this.cleanCarry + head;
    const lastCr = carry.lastIndexOf('\r');
    if (lastCr > 0) carry = carry.slice(lastCr);
    if (carry.length > this.maxLineChars) {
      // Flush, but not an escape sequence that may be cut in half.
      let keep = carry.lastIndexOf('\x1b');
      if (keep <= 0 || keep < carry.length - 256) keep = carry.length;
      const piece = cleanLine(carry.slice(0, keep));
      for (const task of this.active) task.clean.append(piece);
      carry = carry.slice(keep);
    }
    this.cleanCarry = carry;
  }
}
