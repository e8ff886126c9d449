import type { z } from 'zod';
import type { Instant } from '../../domain/occurrence.js';

/** What a job reports when it is done: a status and counts, never personal data (stored in Redis). */
export interface JobOutcome {
  readonly status: string;
  readonly counts?: Readonly<Record<string, number>>;
}

/**
 * One kind of work hanvisa does (sync a calendar, send due reports, …), the same in both
 * runtimes: a runtime decides only *when* and *where* `handle` runs (in process, or a BullMQ
 * worker). Invariants: `data` carries ids and instants only (it is stored in Redis and shown in
 * queue dashboards); `handle` is idempotent, so a retried or duplicated job changes nothing the
 * first run did not; it throws `TransientError` when trying again can help (honouring its
 * `retryAfterMs`; `ThrottledError` pauses the whole kind), `PermanentError` when it cannot.
 */
export interface JobKind<Data = unknown> {
  /** The kind's name: the BullMQ job name and the key of the job table. */
  readonly name: string;
  /** Validates a job's data before `handle` sees it (a queue's data is input like any other). */
  readonly data: z.ZodType<Data>;
  /**
   * Work of one key never runs twice at once, across processes, and a request for a key that is
   * already waiting coalesces with it (one calendar, one employee's deliveries, …).
   */
  key(data: Data): string;
  /** Attempts (1 = never retried) and the first backoff, doubled each attempt with jitter. */
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number };
  /** Jobs of this kind run at once per process (default 1). */
  readonly concurrency?: number;
  /** The jobs of this kind every schedule slot runs (one per calendar, one report run, …); none when absent. */
  everySlot?(): readonly Data[];
  handle(data: Data, now: Instant): Promise<JobOutcome>;
}

/** A request to run one job of a kind in the table. */
export interface JobRequest {
  readonly kind: string;
  readonly data: unknown;
}

/**
 * Port: hands work to the runtime that runs this process. The embedded runtime runs it in
 * process (coalescing by key); the distributed one adds a BullMQ job (deduplicated by key), so
 * any worker on any host takes it. HTTP receivers (push notifications, the pages) enqueue here
 * and never run work inline.
 */
export interface JobQueue {
  enqueue(request: JobRequest, options?: { readonly delayMs?: number }): Promise<void>;
}

/** The one table of job kinds, by name; built once by the composition root. */
export type JobTable = ReadonlyMap<string, JobKind<never>>;
