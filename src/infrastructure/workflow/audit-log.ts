// A run's audit.jsonl: one line per event (step started and ended, prompt or command sent, gate
// shown, approved or denied, limit reached, merge result), each carrying the sha256 of the line
// before it, so that an edited, removed or reordered line breaks the chain (`flow audit --verify`).
// Lines are appended with O_APPEND by this one process (the daemon runs the run), after the
// redactor has taken secrets out.
import { appendPrivate } from '../fs/append-file.js';
import { sha256Text } from '../fs/sha256.js';
import { isRunDone, type RunRecord } from '../../domain/workflow/workflow-run.js';
import { readFile } from 'node:fs/promises';

export interface AuditEvent {
  readonly event: string;
  readonly step?: string | undefined;
  readonly attempt?: number | undefined;
  readonly [field: string]: unknown;
}

export interface AuditLine extends AuditEvent {
  readonly seq: number;
  readonly at: string;
  readonly run: string;
  // sha256 of the previous line's text ('' for the first line).
  readonly prev: string;
}

export interface AuditVerdict {
  readonly intact: boolean;
  readonly lines: number;
  // The first line (1-based) that does not follow from the one before, and why.
  readonly brokenAt: number | null;
  readonly reason: string | null;
}

const sha256 = sha256Text;

export class AuditLog {
  private last: { seq: number; hash: string } | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly run: string,
    private readonly redact: (text: string) => string = (text) => text,
    private readonly now: () => number = Date.now,
  ) {}

  // Appends in call order; resolves once the line is written.
  append(event: AuditEvent): Promise<void> {
    const write = this.chain.then(() => this.write(event));
    this.chain = write.catch(() => undefined);
    return write;
  }

  private async write(event: AuditEvent): Promise<void> {
    this.last ??= await lastLineOf(this.file);
    const line: AuditLine = {
      seq: this.last.seq + 1,
      at: new Date(this.now()).toISOString(),
      run: this.run,
      prev: this.last.hash,
      ...event,
    };
    // Each string redacted on its own: a pass over the JSON text could eat a quote with a secret
    // (`KEY=sk-…"`) and leave a line that is no longer JSON.
    const text = JSON.stringify(redactStrings(line, this.redact));
    await appendPrivate(this.file, `${text}\n`);
    this.last = { seq: line.seq, hash: sha256(text) };
  }

  // The number and hash of the last line written (what run.json records as the log's head).
  async head(): Promise<{ seq: number; hash: string }> {
    await this.chain;
    this.last ??= await lastLineOf(this.file);
    return this.last;
  }
}

function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  return value;
}

async function lastLineOf(file: string): Promise<{ seq: number; hash: string }> {
  const lines = await readLines(file);
  const text = lines.at(-1);
  if (text === undefined) return { seq: 0, hash: '' };
  const seq = Number((JSON.parse(text) as { seq?: unknown }).seq);
  return { seq: Number.isInteger(seq) ? seq : lines.length, hash: sha256(text) };
}

async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return text.split('\n').filter((line) => line !== '');
}

// Whether every line follows from the one before it (and is numbered in order), and, given the
// head the run recorded (its last line's number and hash, in run.json), whether the log still ends
// there: a cut or edited last line, or a removed file, is caught too.
export async function verifyAudit(
  file: string,
  head?: { seq: number; hash: string } | null,
  options: { finished?: boolean } = {},
): Promise<AuditVerdict> {
  const lines = await readLines(file);
  let prev = '';
  for (const [index, text] of lines.entries()) {
    let line: Partial<AuditLine>;
    try {
      line = JSON.parse(text) as Partial<AuditLine>;
    } catch {
      return { intact: false, lines: lines.length, brokenAt: index + 1, reason: 'not JSON' };
    }
    if (line.prev !== prev)
      return {
        intact: false,
        lines: lines.length,
        brokenAt: index + 1,
        reason: 'its hash of the line before does not match (a line was changed, removed or moved)',
      };
    if (line.seq !== index + 1)
      return {
        intact: false,
        lines: lines.length,
        brokenAt: index + 1,
        reason: `numbered ${String(line.seq)}`,
      };
    prev = sha256(text);
  }
  if (head) {
    // The line the run last recorded must be there unchanged; after a finished run, nothing more.
    const recorded = lines[head.seq - 1];
    const broken = (reason: string): AuditVerdict => ({
      intact: false,
      lines: lines.length,
      brokenAt: Math.max(1, Math.min(lines.length, head.seq)),
      reason,
    });
    if (recorded === undefined)
      return broken(`the run recorded ${head.seq} lines; the log has ${lines.length} (lines were cut)`);
    if (sha256(recorded) !== head.hash)
      return broken(`line ${head.seq}, the last the run recorded, was changed`);
    if (options.finished && lines.length !== head.seq)
      return broken(`${lines.length - head.seq} lines were added after the run finished`);
  }
  return { intact: true, lines: lines.length, brokenAt: null, reason: null };
}

// The lines as written; a line that is not JSON is kept as its text (verify says where it is).
export async function readAudit(file: string): Promise<(AuditLine | { readonly unreadable: string })[]> {
  return (await readLines(file)).map((text) => {
    try {
      return JSON.parse(text) as AuditLine;
    } catch {
      return { unreadable: text };
    }
  });
}

// A run's audit: its lines and whether they hold against the head the run recorded (a finished
// run's log must end there).
export async function runAudit(
  file: string,
  run: Pick<RunRecord, 'id' | 'status' | 'auditHead'>,
): Promise<{ id: string; verdict: AuditVerdict; lines: Awaited<ReturnType<typeof readAudit>> }> {
  const verdict = await verifyAudit(file, run.auditHead ?? null, { finished: isRunDone(run.status) });
  return { id: run.id, verdict, lines: await readAudit(file) };
}
