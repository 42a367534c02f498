// A run's audit.jsonl: one line per event (step started and ended, prompt or command sent, gate
// shown, approved or denied, limit reached, merge result), each carrying the sha256 of the line
// before it, so that an edited, removed or reordered line breaks the chain (`flow audit --verify`).
// Lines are appended with O_APPEND by this one process (the daemon runs the run), after the
// redactor has taken secrets out.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

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

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

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
    const text = this.redact(JSON.stringify(line));
    const handle = await open(
      this.file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await handle.write(`${text}\n`);
    } finally {
      await handle.close();
    }
    this.last = { seq: line.seq, hash: sha256(text) };
  }
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

// Whether every line follows from the one before it (and is numbered in order).
export async function verifyAudit(file: string): Promise<AuditVerdict> {
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
  return { intact: true, lines: lines.length, brokenAt: null, reason: null };
}

export async function readAudit(file: string): Promise<AuditLine[]> {
  return (await readLines(file)).map((text) => JSON.parse(text) as AuditLine);
}
