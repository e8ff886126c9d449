/**
 * A counting semaphore: at most `limit` holders at once, waiters served first come first
 * served. `acquire` resolves with the function that releases the slot (call it exactly once).
 */
export class Semaphore {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be a positive integer`);
  }

  get active(): number {
    return this.#active;
  }

  get idle(): boolean {
    return this.#active === 0 && this.#waiting.length === 0;
  }

  async acquire(): Promise<() => void> {
    if (this.#active < this.limit) {
      this.#active++;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next === undefined) this.#active--;
      else next();
    };
  }
}

/**
 * Two limits for every request to Graph: at most `perKey` in flight for one mailbox (Exchange
 * answers 429 above 4) and at most `global` in flight overall (graph.maxConcurrency). The
 * mailbox slot is taken first, so a request that waits for its own mailbox does not hold one of
 * the global slots other mailboxes could use. Idle per-mailbox semaphores are dropped, so
 * 50,000 mailboxes cost memory only while they are being synced.
 */
export class RequestLimiter {
  readonly #global: Semaphore;
  readonly #perKey = new Map<string, Semaphore>();

  constructor(
    readonly globalLimit: number,
    readonly perKeyLimit: number,
  ) {
    this.#global = new Semaphore(globalLimit);
  }

  /** Runs `task` once both slots are free (only the global one when `key` is null); releases them when it settles. */
  async run<T>(key: string | null, task: () => Promise<T>): Promise<T> {
    const releaseKey = key === null ? null : await this.holdKey(key);
    try {
      const releaseGlobal = await this.#global.acquire();
      try {
        return await task();
      } finally {
        releaseGlobal();
      }
    } finally {
      releaseKey?.();
    }
  }

  /** Takes one of the mailbox's slots (for a request that travels inside a $batch). */
  async holdKey(key: string): Promise<() => void> {
    let semaphore = this.#perKey.get(key);
    if (semaphore === undefined) {
      semaphore = new Semaphore(this.perKeyLimit);
      this.#perKey.set(key, semaphore);
    }
    const release = await semaphore.acquire();
    const held = semaphore;
    return () => {
      release();
      if (held.idle && this.#perKey.get(key) === held) this.#perKey.delete(key);
    };
  }
}
