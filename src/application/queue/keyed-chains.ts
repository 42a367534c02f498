// Work serialized per key (a job's changes happen one at a time, in memory and on disk in order),
// each key's chain forgotten once it is idle.
export class KeyedChains {
  private readonly chains = new Map<string, Promise<void>>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.chains.set(key, next);
    void next
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      })
      .catch(() => undefined);
    return next;
  }

  // Resolves once every chain has settled.
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.catch(() => undefined)));
  }
}
