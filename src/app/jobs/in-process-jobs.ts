import type { Logger } from 'pino';
import type { Instant } from '../../domain/occurrence.js';
import { describeError } from '../privacy.js';
import type { JobKind, JobOutcome, JobQueue, JobRequest, JobTable } from './job-kind.js';

/** What running one job in process came to: its outcome, or the error it threw (logged). */
export type InProcessResult =
  | { readonly ok: true; readonly outcome: JobOutcome }
  | { readonly ok: false; readonly error: unknown };

/**
 * The embedded runtime's way of running the job table: in this process, one job per key at a
 * time; a request for a key that is already running runs once more after it (so a change that
 * arrives during a run is not lost), and more requests meanwhile coalesce into that one. No
 * retries here: a failed job is logged and the next schedule slot runs its kind again.
 */
export class InProcessJobs implements JobQueue {
  readonly #table: JobTable;
  readonly #clock: () => Instant;
  readonly #logger: Logger;
  readonly #running = new Map<string, Promise<InProcessResult>>();
  readonly #again = new Map<string, JobRequest>();
  readonly #background = new Set<Promise<unknown>>();

  constructor(table: JobTable, clock: () => Instant, logger: Logger) {
    this.#table = table;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Runs one job now (waiting for a running job of the same key first). */
  async run(request: JobRequest): Promise<InProcessResult> {
    const kind = this.#table.get(request.kind) as JobKind<unknown> | undefined;
    if (kind === undefined) return { ok: false, error: new Error(`no job kind "${request.kind}"`) };
    const parsed = kind.data.safeParse(request.data);
    if (!parsed.success) return { ok: false, error: new Error(`${kind.name}: the job data is not valid`) };
    const key = `${kind.name}|${kind.key(parsed.data)}`;
    const previous = this.#running.get(key);
    if (previous !== undefined) await previous;
    const running = this.#handle(kind, parsed.data);
    this.#running.set(key, running);
    try {
      return await running;
    } finally {
      if (this.#running.get(key) === running) this.#running.delete(key);
    }
  }

  async #handle(kind: JobKind<unknown>, data: unknown): Promise<InProcessResult> {
    try {
      return { ok: true, outcome: await kind.handle(data, this.#clock()) };
    } catch (error) {
      this.#logger.warn(
        { job: kind.name, error: describeError(error) },
        'job failed; the next slot runs it again',
      );
      return { ok: false, error };
    }
  }

  /** Enqueues in process: runs soon, coalesced by key; never throws into the caller. */
  async enqueue(request: JobRequest, options: { readonly delayMs?: number } = {}): Promise<void> {
    const kind = this.#table.get(request.kind) as JobKind<unknown> | undefined;
    const parsed = kind?.data.safeParse(request.data);
    if (kind === undefined || parsed === undefined || !parsed.success) {
      throw new Error(`cannot enqueue ${request.kind}: unknown kind or invalid data`);
    }
    const key = `${kind.name}|${kind.key(parsed.data)}`;
    if (this.#again.has(key)) return;
    this.#again.set(key, request);
    const task = (async () => {
      if (options.delayMs !== undefined && options.delayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs).unref());
      }
      const previous = this.#running.get(key);
      if (previous !== undefined) await previous;
      this.#again.delete(key);
      await this.run(request);
    })();
    this.#background.add(task);
    void task.finally(() => this.#background.delete(task));
  }

  /** Waits for every job running or queued in process (a stop waits for running work). */
  async drain(): Promise<void> {
    while (this.#background.size > 0 || this.#running.size > 0) {
      await Promise.allSettled([...this.#background, ...this.#running.values()]);
    }
  }
}
