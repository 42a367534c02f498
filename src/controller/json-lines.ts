// Splits a byte stream into lines of JSON (the daemon socket's framing). With a limit, a line that
// grows past it is refused as soon as it does, not buffered whole: one endless line must not be
// able to take the daemon's memory.
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`a request line is over ${limit} bytes`);
  }
}

export class LineSplitter {
  // The line not ended yet, as the chunks it came in: each chunk is scanned once for a newline,
  // and a line is joined once, when it ends (re-splitting the growing rest on every chunk was
  // quadratic in a long line and kept a new copy of it per chunk).
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly maxLineLength = Infinity) {}

  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      this.take(chunk.slice(start, end));
      lines.push(this.parts.join(''));
      this.parts = [];
      this.size = 0;
      start = end + 1;
    }
    if (start < chunk.length) this.take(chunk.slice(start));
    return lines.filter((line) => line.trim() !== '');
  }

  private take(piece: string): void {
    if (this.size + piece.length > this.maxLineLength) {
      this.parts = [];
      this.size = 0;
      throw new LineTooLongError(this.maxLineLength);
    }
    this.parts.push(piece);
    this.size += piece.length;
  }
}
