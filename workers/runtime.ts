import { hostname } from 'node:os';
import { type Job, type MinimalJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type App, createApp } from '../src/app/composition-root.js';
import type { HanvisaConfig } from '../src/app/config/load-config.js';
import type { JobKind, JobQueue } from '../src/app/jobs/job-kind.js';
import type { CalendarRef, CalendarSource } from '../src/app/ports/calendar-source.js';
import type { HealthStatus, RunningService } from '../src/app/ports/http-service.js';
import type { ReferralSink } from '../src/app/ports/referral-sink.js';
import { describeError } from '../src/app/privacy.js';
import { PermanentError } from '../src/domain/errors.js';
import type { Instant } from '../src/domain/occurrence.js';
import { createJobProcessor } from './job-processor.js';
import { backoffDelay, deduplicationId, jobOptionsOf, KEY_PREFIX } from './jobs.js';
import { KeyLock } from './key-lock.js';
import { assertNoEviction, claimRegisterHost } from './redis-checks.js';
import { enqueueSlot, SlotTicker } from './scheduler.js';
import { within } from './within.js';

/** Timings of the distributed runtime; tests shorten them, production keeps the defaults. */
export interface RuntimeTimings {
  /** BullMQ job lock: a job whose worker stops renewing it is taken over after this. */
  readonly jobLockMs: number;
  /** How often workers look for stalled jobs (of dead workers). */
  readonly stalledIntervalMs: number;
  /** The per-key lock's TTL (renewed while a job runs). */
  readonly keyLockMs: number;
  /** When another worker holds a key's lock, look again after this. */
  readonly lockedRetryMs: number;
  /** On stop: how long running jobs may take before the process gives up on them. */
  readonly shutdownDeadlineMs: number;
  /** Liveness fails when jobs wait but this process completed none for this long. */
  readonly stalledAfterMs: number;
  /** TTL of the embedded register's host claim. */
  readonly hostClaimMs: number;
}

export interface DistributedOptions {
  readonly config: HanvisaConfig;
  readonly redisUrl: string;
  readonly logger: Logger;
  readonly clock?: () => Instant;
  /** Tests and benchmarks: calendar sources instead of the configured ones. */
  readonly sourceFor?: (calendar: CalendarRef) => CalendarSource;
  /** Tests and benchmarks: a register instead of the configured one. */
  readonly sink?: ReferralSink;
  /** syncCalendar jobs in flight in this process (default workers.concurrency). */
  readonly concurrency?: number;
  /** Run the schedule ticker (default true; tests and benchmarks enqueue slots themselves). */
  readonly scheduler?: boolean;
  /** Run workers in this process (default true; false makes a pure producer). */
  readonly workers?: boolean;
  /** The HTTP listener (default server.host:server.port); null for none. */
  readonly serve?: { readonly host: string; readonly port: number } | null;
  readonly timings?: Partial<RuntimeTimings>;
  /** Identifies this host for the embedded-register claim (default os.hostname()). */
  readonly hostId?: string;
}

export interface DistributedRuntime {
  readonly app: App;
  readonly metrics: App['metrics'];
  /** One queue per job kind, by the kind's name. */
  readonly queues: Readonly<Record<string, Queue>>;
  readonly service: RunningService | null;
  readonly jobs: JobQueue;
  liveness(): Promise<HealthStatus>;
  readiness(): Promise<HealthStatus>;
  /** Closes the ticker and workers (waiting for running jobs up to the deadline), then queues, HTTP, Redis. */
  stop(): Promise<{ readonly forced: boolean }>;
}

function timingsFrom(config: HanvisaConfig, overrides: Partial<RuntimeTimings> = {}): RuntimeTimings {
  return {
    jobLockMs: 30_000,
    stalledIntervalMs: 30_000,
    keyLockMs: 60_000,
    lockedRetryMs: 5_000,
    shutdownDeadlineMs: config.workers.shutdownDeadlineMs,
    stalledAfterMs: config.workers.stalledAfterMs,
    hostClaimMs: 30_000,
    ...overrides,
  };
}

async function connectProducer(redisUrl: string): Promise<Redis> {
  // Producers fail fast: a request to a Redis that is away errors at once instead of queueing in memory.
  const producer = new Redis(redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  producer.on('error', () => {});
  try {
    await producer.connect();
    await producer.ping();
  } catch (error) {
    producer.disconnect();
    throw new PermanentError(
      `cannot reach Redis at REDIS_URL (${describeError(error)}): start Redis or correct REDIS_URL, then start again`,
    );
  }
  return producer;
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

/** Everything the runtime opened, closed in reverse order (also when starting fails half-way). */
class Openings {
  readonly #closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  constructor(private readonly logger: Logger) {}
  add(what: string, close: () => Promise<unknown> | unknown): void {
    this.#closers.push({ what, close });
  }
  async closeAll(): Promise<void> {
    for (const { what, close } of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        this.logger.warn({ error: describeError(error) }, `shutdown: closing ${what} failed`);
      }
    }
  }
}

/**
 * Starts the distributed runtime in this process: checks Redis (noeviction), claims the
 * embedded register's host when the sink is embedded, wires the app (the one composition root,
 * state in Redis), starts one BullMQ worker per job kind of the one job table (the handlers the
 * embedded runtime runs), the schedule ticker, and the HTTP service. Any number of processes on
 * any number of hosts may run it against one Redis. A start that cannot complete closes what it
 * opened and throws.
 */
export async function startDistributed(options: DistributedOptions): Promise<DistributedRuntime> {
  const { config, logger } = options;
  const timings = timingsFrom(config, options.timings);
  const clock = options.clock ?? Date.now;
  const hostId = options.hostId ?? hostname();
  const opened = new Openings(logger);
  try {
    const producer = await connectProducer(options.redisUrl);
    opened.add('the producer connection', () => producer.quit().catch(() => producer.disconnect()));
    await assertNoEviction(producer);
    if (config.sink.kind === 'embedded' && options.sink === undefined) {
      const claim = await claimRegisterHost(producer, {
        key: `${KEY_PREFIX}:register-host`,
        hostId,
        ttlMs: timings.hostClaimMs,
      });
      opened.add('the register claim', () => claim.stop());
    }
    // Workers (and the state store they use) wait out a Redis restart instead of failing: BullMQ
    // requires maxRetriesPerRequest null on worker connections.
    const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    opened.add('the worker connection', () => connection.quit().catch(() => connection.disconnect()));
    let redisDown = false;
    connection.on('error', (error) => {
      if (!redisDown) logger.warn({ error: describeError(error) }, 'Redis connection lost; reconnecting');
      redisDown = true;
    });
    connection.on('ready', () => {
      if (redisDown) logger.info('Redis connection back');
      redisDown = false;
    });
    const app = createApp(config, {
      redis: connection,
      logger,
      ...(options.sourceFor === undefined ? {} : { sourceFor: options.sourceFor }),
      ...(options.sink === undefined ? {} : { sink: options.sink }),
    });
    opened.add('the app', () => app.close());
    const kinds = [...app.jobs.values()] as JobKind<unknown>[];
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
    const jobs: JobQueue = {
      async enqueue(request, enqueueOptions = {}) {
        const kind = app.jobs.get(request.kind) as JobKind<unknown> | undefined;
        const queue = queues[request.kind];
        const parsed = kind?.data.safeParse(request.data);
        if (kind === undefined || queue === undefined || parsed === undefined || !parsed.success) {
          throw new PermanentError(`cannot enqueue ${request.kind}: unknown kind or invalid data`);
        }
        await queue.add(kind.name, parsed.data, {
          deduplication: { id: deduplicationId(kind.name, kind.key(parsed.data)) },
          ...(enqueueOptions.delayMs === undefined ? {} : { delay: enqueueOptions.delayMs }),
        });
      },
    };
    let lastProgressAt = clock();
    const workers: Worker[] = [];
    if (options.workers !== false) {
      const lock = new KeyLock(connection, { prefix: KEY_PREFIX, ttlMs: timings.keyLockMs });
      for (const kind of kinds) {
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
        worker = new Worker(kind.name, processor, {
          connection,
          prefix: KEY_PREFIX,
          lockDuration: timings.jobLockMs,
          stalledInterval: timings.stalledIntervalMs,
          maxStalledCount: 3,
          settings: { backoffStrategy },
          concurrency:
            kind.name === 'syncCalendar'
              ? (options.concurrency ?? kind.concurrency ?? 1)
              : (kind.concurrency ?? 1),
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
            logger.error(
              { queue: kind.name, job: job.id, error: describeError(error) },
              'job failed for good',
            );
          }
        });
        worker.on('error', (error) =>
          logger.debug({ queue: kind.name, error: describeError(error) }, 'worker error'),
        );
        workers.push(worker);
        const started = worker;
        opened.add(`the ${kind.name} worker`, () => started.close(true));
      }
    }
    const ticker =
      options.scheduler === false
        ? null
        : new SlotTicker({
            redis: producer,
            everyMs: config.scheduleEveryMs,
            clock,
            logger,
            hostId,
            enqueue: (slot) => enqueueSlot(queues, app.jobs, slot),
          });
    const watched = Object.values(queues);
    app.metrics.setQueueProbe({
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
    });
    const liveness = async (): Promise<HealthStatus> => {
      const now = clock();
      if (ticker !== null && now - ticker.lastSlotSeenAt > 2 * config.scheduleEveryMs) {
        return {
          ok: false,
          checks: { schedule: `no cycle enqueued for ${Math.round((now - ticker.lastSlotSeenAt) / 1000)} s` },
        };
      }
      if (workers.length === 0) return { ok: true, checks: { workers: 'none in this process' } };
      const idleMs = now - lastProgressAt;
      if (idleMs <= timings.stalledAfterMs) return { ok: true, checks: { workers: 'making progress' } };
      let waiting: number;
      try {
        waiting = await (queues.syncCalendar as Queue).getWaitingCount();
      } catch {
        // Redis away is a readiness problem (and the schedule check above), not a reason to restart.
        return { ok: true, checks: { workers: 'cannot see the queue' } };
      }
      if (waiting === 0) return { ok: true, checks: { workers: 'idle, nothing waiting' } };
      return {
        ok: false,
        checks: {
          workers: `${waiting} jobs wait but none completed here for ${Math.round(idleMs / 1000)} s`,
        },
      };
    };
    const readiness = async (): Promise<HealthStatus> => {
      try {
        await producer.ping();
        return { ok: true, checks: { queues: 'ok' } };
      } catch (error) {
        return { ok: false, checks: { queues: describeError(error) } };
      }
    };
    const listen = options.serve === undefined ? config.server : options.serve;
    const service = listen === null ? null : await app.serve({ ...listen, liveness, readiness, jobs });
    if (service !== null) opened.add('the HTTP service', () => service.close());
    ticker?.start();
    let stopping: Promise<{ forced: boolean }> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        const deadline = Date.now() + timings.shutdownDeadlineMs;
        await ticker?.stop();
        // 1. Workers: take no new jobs, let running ones finish (worker.close has no timeout of its own).
        const workersClosed = await within(
          Promise.all(workers.map((worker) => worker.close())),
          Math.floor(timings.shutdownDeadlineMs * 0.8),
        );
        if (!workersClosed) {
          logger.warn('shutdown deadline: jobs still running are left to other workers');
          await within(
            Promise.all(workers.map((worker) => worker.close(true).catch(() => {}))),
            Math.max(0, deadline - Date.now()),
          );
        }
        // 2. HTTP, the app, queues, Redis (in reverse order of opening).
        const closed = await within(opened.closeAll(), Math.max(deadline - Date.now(), 1000));
        if (!closed) {
          connection.disconnect();
          producer.disconnect();
        }
        return { forced: !workersClosed || !closed };
      })();
      return stopping;
    };
    logger.info(
      {
        calendars: config.calendars.length,
        kinds: kinds.map((kind) => kind.name),
        workers: workers.length > 0,
        scheduler: ticker !== null,
      },
      'distributed runtime started',
    );
    return { app, metrics: app.metrics, queues, service, jobs, liveness, readiness, stop };
  } catch (error) {
    await opened.closeAll();
    throw error;
  }
}
