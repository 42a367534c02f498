// A pass that runs one at a time: a kick while it runs asks for one more pass after it (so what
// changed meanwhile is seen), never a second pass alongside.
export class SinglePass {
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  private again = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  kick(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped());
      } finally {
        this.busy = false;
      }
    })().catch(this.onError);
  }

  // Resolves once the pass in progress (if any) has ended.
  idle(): Promise<void> {
    return this.running.catch(() => undefined);
  }
}
