import type { JobKind, JobQueue, JobRequest } from '../../src/app/jobs/job-kind.js';

/**
 * A job queue with the JobQueue port's semantics, in one process, for tests and the push
 * benchmark: work of one key never runs twice at once; a request for a key that is already
 * waiting coalesces with it; a request while that key runs waits for it and then runs once more.
 * At most `concurrency` jobs run at once.
 */
export class InProcessQueue implements JobQueue {
  readonly ran: { kind: string; data: unknown }[] = [];
  readonly errors: unknown[] = [];
  readonly #kinds = new Map<string, JobKind<never>>();
  readonly #waiting = new Map<string, Promise<void>>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #all = new Set<Promise<void>>();
  #active = 0;
  readonly #slots: (() => void)[] = [];

  constructor(
    kinds: readonly JobKind<never>[],
    readonly clock: () => number,
    readonly concurrency = 16,
  ) {
    for (const kind of kinds) this.#kinds.set(kind.name, kind);
  }

  async #slot(): Promise<void> {
    if (this.#active < this.concurrency) {
      this.#active++;
      return;
    }
    await new Promise<void>((resolve) => this.#slots.push(resolve));
  }

  #release(): void {
    const next = this.#slots.shift();
    if (next !== undefined) next();
    else this.#active--;
  }

  async enqueue(request: JobRequest, options: { readonly delayMs?: number } = {}): Promise<void> {
    const kind = this.#kinds.get(request.kind);
    if (kind === undefined) throw new Error(`no job kind ${request.kind}`);
    const data = kind.data.parse(request.data);
    const key = `${kind.name}|${kind.key(data as never)}`;
    if (this.#waiting.has(key)) return;
    const job = (async () => {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      await this.#running.get(key);
      this.#waiting.delete(key);
      const run = (async () => {
        await this.#slot();
        try {
          this.ran.push({ kind: kind.name, data });
          await kind.handle(data as never, this.clock());
        } catch (error) {
          this.errors.push(error);
        } finally {
          this.#release();
        }
      })();
      this.#running.set(key, run);
      await run;
      if (this.#running.get(key) === run) this.#running.delete(key);
    })();
    this.#waiting.set(key, job);
    this.#all.add(job);
    void job.finally(() => this.#all.delete(job));
  }

  /** Resolves when nothing waits or runs. */
  async idle(): Promise<void> {
    while (this.#all.size > 0) await Promise.all([...this.#all]);
  }

  count(kind: string): number {
    return this.ran.filter((item) => item.kind === kind).length;
  }
}
