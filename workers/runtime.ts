import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
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
import { KEY_PREFIX } from './jobs.js';
import { assertNoEviction, claimRegisterHost } from './redis-checks.js';
import {
  bullmqJobQueue,
  distributedLiveness,
  Openings,
  openQueues,
  queueProbe,
  startWorkers,
} from './runtime-parts.js';
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
    const queues = openQueues(kinds, producer, logger, opened);
    const jobs = bullmqJobQueue(app, queues);
    const started =
      options.workers === false
        ? { workers: [], lastProgressAt: clock }
        : startWorkers(app, kinds, {
            connection,
            clock,
            logger,
            timings,
            opened,
            ...(options.concurrency === undefined ? {} : { syncConcurrency: options.concurrency }),
          });
    const { workers } = started;
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
    app.metrics.setQueueProbe(queueProbe(queues, clock));
    const liveness = distributedLiveness({
      clock,
      everyMs: config.scheduleEveryMs,
      stalledAfterMs: timings.stalledAfterMs,
      ticker,
      workers: started,
      syncQueue: queues.syncCalendar,
    });
    const readiness = async (): Promise<HealthStatus> => {
      try {
        await producer.ping();
        return { ok: true, checks: { queues: 'ok' } };
      } catch (error) {
        return { ok: false, checks: { queues: describeError(error) } };
      }
    };
    const listen = options.serve === undefined ? config.server : options.serve;
    const service = listen === null ? null : await app.serve({ ...listen, liveness, readiness, jobs, clock });
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
