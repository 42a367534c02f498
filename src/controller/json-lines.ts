// Splits a byte stream into lines of JSON (the daemon socket's framing). With a limit, a line that
// grows past it is refused as soon as it does, not buffered whole: one endless line must not be
// able to take the daemon's memory.
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`a request line is over ${limit} bytes`);
  }
}

export class LineSplitter {
  private rest = '';

  constructor(private readonly maxLineLength = Infinity) {}

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    if (this.rest.length > this.maxLineLength || lines.some((line) => line.length > this.maxLineLength)) {
      this.rest = '';
      throw new LineTooLongError(this.maxLineLength);
    }
    return lines.filter((line) => line.trim() !== '');
  }
}
