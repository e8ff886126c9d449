import { type Job, type MinimalJob, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { App } from '../src/app/composition-root.js';
import type { JobKind, JobQueue } from '../src/app/jobs/job-kind.js';
import { SYNC_CALENDAR } from '../src/app/jobs/job-table.js';
import type { QueueProbe } from '../src/app/metrics.js';
import type { HealthStatus } from '../src/app/ports/http-service.js';
import { describeError } from '../src/app/privacy.js';
import { PermanentError } from '../src/domain/errors.js';
import type { Instant } from '../src/domain/occurrence.js';
import { createJobProcessor } from './job-processor.js';
import { backoffDelay, deduplicationId, jobOptionsOf, KEY_PREFIX } from './jobs.js';
import { KeyLock } from './key-lock.js';
import type { SlotTicker } from './scheduler.js';

/** Everything the runtime opened, closed in reverse order (also when starting fails half-way). */
export class Openings {
  readonly #closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  readonly #logger: Logger;
  constructor(logger: Logger) {
    this.#logger = logger;
  }
  add(what: string, close: () => Promise<unknown> | unknown): void {
    this.#closers.push({ what, close });
  }
  async closeAll(): Promise<void> {
    for (const { what, close } of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        this.#logger.warn({ error: describeError(error) }, `shutdown: closing ${what} failed`);
      }
    }
  }
}

/** One BullMQ queue per job kind, named after the kind, with the kind's retry policy. */
export function openQueues(
  kinds: readonly JobKind<unknown>[],
  producer: Redis,
  logger: Logger,
  opened: Openings,
): Record<string, Queue> {
  const queues: Record<string, Queue> = {};
  for (const kind of kinds) {
    const queue = new Queue(kind.name, {
      connection: producer,
      prefix: KEY_PREFIX,
      defaultJobOptions: jobOptionsOf(kind),
    });
    queue.on('error', (error) =>
      logger.warn({ queue: kind.name, error: describeError(error) }, 'queue connection error'),
    );
    queues[kind.name] = queue;
    opened.add(`the ${kind.name} queue`, () => queue.close());
  }
  return queues;
}

/** The JobQueue port on BullMQ: validated data, deduplicated by kind and key, optionally delayed. */
export function bullmqJobQueue(app: App, queues: Readonly<Record<string, Queue>>): JobQueue {
  return {
    async enqueue(request, options = {}) {
      const kind = app.jobs.get(request.kind) as JobKind<unknown> | undefined;
      const queue = queues[request.kind];
      const parsed = kind?.data.safeParse(request.data);
      if (kind === undefined || queue === undefined || parsed === undefined || !parsed.success) {
        throw new PermanentError(`cannot enqueue ${request.kind}: unknown kind or invalid data`);
      }
      await queue.add(kind.name, parsed.data, {
        deduplication: { id: deduplicationId(kind.name, kind.key(parsed.data)) },
        ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
      });
    },
  };
}

const backoffStrategy = (attemptsMade: number, _type?: string, error?: Error, job?: MinimalJob) => {
  const backoff = job?.opts.backoff;
  const base = typeof backoff === 'object' && backoff.delay !== undefined ? backoff.delay : 5_000;
  return backoffDelay(
    attemptsMade,
    base,
    (error as { retryAfterMs?: number | null } | undefined)?.retryAfterMs ?? null,
  );
};

export interface WorkerTimings {
  readonly jobLockMs: number;
  readonly stalledIntervalMs: number;
  readonly keyLockMs: number;
  readonly lockedRetryMs: number;
}

/** The workers of this process and when one of them last finished a job. */
export interface StartedWorkers {
  readonly workers: readonly Worker[];
  lastProgressAt(): Instant;
}

/**
 * One BullMQ worker per job kind, each running the kind's handler through `createJobProcessor`
 * (the lock per kind and key, the queue's language for failures). `syncConcurrency` overrides the
 * syncCalendar kind's concurrency (tests and benchmarks).
 */
export function startWorkers(
  app: App,
  kinds: readonly JobKind<unknown>[],
  parts: {
    readonly connection: Redis;
    readonly clock: () => Instant;
    readonly logger: Logger;
    readonly timings: WorkerTimings;
    readonly syncConcurrency?: number;
    readonly opened: Openings;
  },
): StartedWorkers {
  const { clock, logger, timings } = parts;
  let lastProgressAt = clock();
  const lock = new KeyLock(parts.connection, { prefix: KEY_PREFIX, ttlMs: timings.keyLockMs });
  const workers = kinds.map((kind) => {
    let worker: Worker | null = null;
    const processor = createJobProcessor(kind, {
      clock,
      logger,
      lock,
      lockedRetryMs: timings.lockedRetryMs,
      rateLimit: async (ms) => {
        await (worker as Worker).rateLimit(ms);
      },
    });
    const concurrency =
      kind.name === SYNC_CALENDAR
        ? (parts.syncConcurrency ?? kind.concurrency ?? 1)
        : (kind.concurrency ?? 1);
    worker = new Worker(kind.name, processor, {
      connection: parts.connection,
      prefix: KEY_PREFIX,
      lockDuration: timings.jobLockMs,
      stalledInterval: timings.stalledIntervalMs,
      maxStalledCount: 3,
      settings: { backoffStrategy },
      concurrency,
      // The limiter is what makes a manual rate limit (Graph 429) pause the queue; its own
      // limit is far above any real throughput.
      limiter: { max: 1_000_000, duration: 1000 },
    });
    worker.on('completed', () => {
      lastProgressAt = clock();
      app.metrics.jobsCompleted.inc({ queue: kind.name });
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      lastProgressAt = clock();
      if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        logger.error({ queue: kind.name, job: job.id, error: describeError(error) }, 'job failed for good');
      }
    });
    worker.on('error', (error) =>
      logger.debug({ queue: kind.name, error: describeError(error) }, 'worker error'),
    );
    const started = worker;
    parts.opened.add(`the ${kind.name} worker`, () => started.close(true));
    return started;
  });
  return { workers, lastProgressAt: () => lastProgressAt };
}

/** What the queue gauges of /metrics read: jobs per state and the oldest waiting job, per queue. */
export function queueProbe(queues: Readonly<Record<string, Queue>>, clock: () => Instant): QueueProbe {
  const watched = Object.values(queues);
  return {
    async depth() {
      const result: Record<string, Record<string, number>> = {};
      for (const queue of watched)
        result[queue.name] = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'prioritized',
        );
      return result;
    },
    async oldestWaitingSeconds() {
      const result: Record<string, number> = {};
      for (const queue of watched) {
        const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
        result[queue.name] = oldest === undefined ? 0 : Math.max(0, (clock() - oldest.timestamp) / 1000);
      }
      return result;
    },
  };
}

/**
 * Liveness of a distributed process: it fails when no slot was seen enqueued for two intervals
 * (the schedule stopped), or when sync jobs wait but this process completed none for
 * `stalledAfterMs` (its workers are stuck). Redis away is readiness's business.
 */
export function distributedLiveness(parts: {
  readonly clock: () => Instant;
  readonly everyMs: number;
  readonly stalledAfterMs: number;
  readonly ticker: SlotTicker | null;
  readonly workers: StartedWorkers;
  readonly syncQueue: Queue | undefined;
}): () => Promise<HealthStatus> {
  return async (): Promise<HealthStatus> => {
    const now = parts.clock();
    const { ticker } = parts;
    if (ticker !== null && now - ticker.lastSlotSeenAt > 2 * parts.everyMs) {
      return {
        ok: false,
        checks: { schedule: `no cycle enqueued for ${Math.round((now - ticker.lastSlotSeenAt) / 1000)} s` },
      };
    }
    if (parts.workers.workers.length === 0) return { ok: true, checks: { workers: 'none in this process' } };
    const idleMs = now - parts.workers.lastProgressAt();
    if (idleMs <= parts.stalledAfterMs) return { ok: true, checks: { workers: 'making progress' } };
    let waiting: number;
    try {
      waiting = (await parts.syncQueue?.getWaitingCount()) ?? 0;
    } catch {
      return { ok: true, checks: { workers: 'cannot see the queue' } };
    }
    if (waiting === 0) return { ok: true, checks: { workers: 'idle, nothing waiting' } };
    return {
      ok: false,
      checks: { workers: `${waiting} jobs wait but none completed here for ${Math.round(idleMs / 1000)} s` },
    };
  };
}
