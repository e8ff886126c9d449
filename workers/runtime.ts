import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, type MinimalJob, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { HealthStatus, ServiceServer } from '../src/adapters/http/service-server.js';
import { startServiceServer } from '../src/adapters/http/service-server.js';
import { RestReferralSink } from '../src/adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../src/adapters/sinks/sqlite-referral-sink.js';
import { type App, createApp } from '../src/app/composition-root.js';
import type { HanvisaConfig } from '../src/app/config/load-config.js';
import { sendManagerReport } from '../src/app/manager-report.js';
import { HanvisaMetrics } from '../src/app/metrics.js';
import type { CalendarRef, CalendarSource } from '../src/app/ports/calendar-source.js';
import type { ReferralSink } from '../src/app/ports/referral-sink.js';
import { describeError } from '../src/app/privacy.js';
import { PermanentError } from '../src/domain/errors.js';
import type { Instant } from '../src/domain/occurrence.js';
import { CalendarLock } from './calendar-lock.js';
import {
  backoffDelay,
  KEY_PREFIX,
  QUEUE,
  REPORT_JOB_OPTIONS,
  SYNC_JOB_OPTIONS,
  TICK_JOB_OPTIONS,
} from './jobs.js';
import { assertNoEviction, claimRegisterHost } from './redis-checks.js';
import { createReportProcessor, type ReportHandler } from './report-processor.js';
import { createTickProcessor, upsertSchedulers } from './scheduler.js';
import { createSyncProcessor } from './sync-processor.js';

/** Timings of the distributed runtime; tests shorten them, production keeps the defaults. */
export interface RuntimeTimings {
  /** BullMQ job lock: a job whose worker stops renewing it is taken over after this. */
  readonly jobLockMs: number;
  /** How often workers look for stalled jobs (of dead workers). */
  readonly stalledIntervalMs: number;
  /** The per-calendar lock's TTL (renewed while a sync runs). */
  readonly calendarLockMs: number;
  /** When another worker holds a calendar's lock, look again after this. */
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
  readonly metrics?: HanvisaMetrics;
  /** Tests and benchmarks: calendar sources instead of the configured ones. */
  readonly sourceFor?: (calendar: CalendarRef) => CalendarSource;
  /** Tests and benchmarks: a register instead of the configured one. */
  readonly sink?: ReferralSink;
  /** The report use case; null skips report jobs (logged). */
  readonly report?: ReportHandler | null;
  /** Sync jobs in flight in this process (default workers.concurrency). */
  readonly concurrency?: number;
  /** Upsert the job schedulers (default true; tests and benchmarks enqueue cycles themselves). */
  readonly scheduler?: boolean;
  /** Run workers in this process (default true; false makes a pure producer). */
  readonly workers?: boolean;
  /** The HTTP listener (health, metrics, the embedded register's REST service); null for none. */
  readonly serve?: { readonly host: string; readonly port: number } | null;
  readonly timings?: Partial<RuntimeTimings>;
  /** Identifies this host for the embedded-register claim (default os.hostname()). */
  readonly hostId?: string;
}

export interface DistributedRuntime {
  readonly app: App;
  readonly metrics: HanvisaMetrics;
  readonly queues: { readonly sync: Queue; readonly report: Queue; readonly schedule: Queue };
  readonly server: ServiceServer | null;
  liveness(): Promise<HealthStatus>;
  readiness(): Promise<HealthStatus>;
  /** Closes workers (waiting for running jobs up to the deadline), then queues, then Redis. */
  stop(): Promise<{ readonly forced: boolean }>;
}

function timingsFrom(config: HanvisaConfig, overrides: Partial<RuntimeTimings> = {}): RuntimeTimings {
  const raw = config.raw as { workers?: { shutdownDeadline?: string; stalledAfter?: string } };
  const parse = (text: string | undefined, fallback: number) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(text ?? '');
    if (match === null) return fallback;
    return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  };
  return {
    jobLockMs: 30_000,
    stalledIntervalMs: 30_000,
    calendarLockMs: 60_000,
    lockedRetryMs: 5_000,
    shutdownDeadlineMs: parse(raw.workers?.shutdownDeadline, 25_000),
    stalledAfterMs: parse(raw.workers?.stalledAfter, 10 * 60_000),
    hostClaimMs: 30_000,
    ...overrides,
  };
}

/** Managers who get reports: everyone some employee names as manager. */
function managersOf(config: HanvisaConfig): string[] {
  const managers = new Set<string>();
  for (const employee of config.employees.values())
    if (employee.manager !== null) managers.add(employee.manager);
  return [...managers].sort();
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
 * embedded register's host when the sink is embedded, wires the app with the Redis state store,
 * starts the sync, report and tick workers (the same use cases the embedded runtime calls),
 * upserts the job schedulers, and serves /healthz, /readyz, /metrics (and the register).
 * Any number of processes on any number of hosts may run it against one Redis.
 */
export async function startDistributed(options: DistributedOptions): Promise<DistributedRuntime> {
  const { config, logger } = options;
  const timings = timingsFrom(config, options.timings);
  const clock = options.clock ?? Date.now;
  const metrics = options.metrics ?? new HanvisaMetrics();
  const rawWorkers = (config.raw as { workers?: { concurrency?: number } }).workers;
  const concurrency = options.concurrency ?? rawWorkers?.concurrency ?? 16;
  const producer = await connectProducer(options.redisUrl);
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    await assertNoEviction(producer);
    if (config.sink.kind === 'embedded' && options.sink === undefined) {
      const claim = await claimRegisterHost(producer, {
        key: `${KEY_PREFIX}:register-host`,
        hostId: options.hostId ?? hostname(),
        ttlMs: timings.hostClaimMs,
      });
      cleanups.push(() => claim.stop());
    }
  } catch (error) {
    producer.disconnect();
    throw error;
  }
  // Workers (and the state store they use) wait out a Redis restart instead of failing: BullMQ
  // requires maxRetriesPerRequest null on worker connections.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
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
    ...(options.sourceFor === undefined ? {} : { sourceFor: options.sourceFor }),
    ...(options.sink === undefined ? {} : { sink: options.sink }),
  });
  const queueOptions = { connection: producer, prefix: KEY_PREFIX };
  const queues = {
    sync: new Queue(QUEUE.sync, { ...queueOptions, defaultJobOptions: SYNC_JOB_OPTIONS }),
    report: new Queue(QUEUE.report, { ...queueOptions, defaultJobOptions: REPORT_JOB_OPTIONS }),
    schedule: new Queue(QUEUE.schedule, { ...queueOptions, defaultJobOptions: TICK_JOB_OPTIONS }),
  };
  for (const [name, queue] of Object.entries(queues)) {
    queue.on('error', (error) =>
      logger.warn({ queue: name, error: describeError(error) }, 'queue connection error'),
    );
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
  const workerOptions = {
    connection,
    prefix: KEY_PREFIX,
    lockDuration: timings.jobLockMs,
    stalledInterval: timings.stalledIntervalMs,
    maxStalledCount: 3,
    settings: { backoffStrategy },
  };
  let lastProgressAt = clock();
  const startedAt = lastProgressAt;
  const workers: Worker[] = [];
  const calendars = new Map(config.calendars.map((calendar) => [calendar.id, calendar]));
  if (options.workers !== false) {
    let syncWorker: Worker | null = null;
    const syncProcessor = createSyncProcessor({
      sync: app.sync,
      calendars,
      clock,
      metrics,
      logger,
      lock: new CalendarLock(connection, { prefix: KEY_PREFIX, ttlMs: timings.calendarLockMs }),
      rateLimit: async (ms) => {
        await (syncWorker as Worker).rateLimit(ms);
      },
      lockedRetryMs: timings.lockedRetryMs,
    });
    syncWorker = new Worker(QUEUE.sync, syncProcessor, {
      ...workerOptions,
      concurrency,
      // The limiter is what makes a manual rate limit (Graph 429) pause the queue; its own
      // limit is far above any real throughput.
      limiter: { max: 1_000_000, duration: 1000 },
    });
    const reportWorker = new Worker(
      QUEUE.report,
      createReportProcessor({
        report:
          options.report === undefined
            ? async (request, now) => ({
                findings: (await sendManagerReport(app.reports, request, now)).findings,
              })
            : options.report,
        clock,
        logger,
      }),
      { ...workerOptions, concurrency: 2 },
    );
    const tickWorker = new Worker(
      QUEUE.schedule,
      createTickProcessor({
        syncQueue: queues.sync,
        reportQueue: queues.report,
        calendarIds: [...calendars.keys()],
        managers: managersOf(config),
        everyMs: config.scheduleEveryMs,
        reportCron: config.reports.schedule,
        timeZone: config.timeZone,
        logger,
        prune: async (now) => {
          const before = now - config.rules.findingsRetentionDays * 86_400_000;
          return (await app.state.pruneFindings(before)) + (await app.state.pruneSeen(before));
        },
      }),
      { ...workerOptions, concurrency: 1 },
    );
    workers.push(syncWorker, reportWorker, tickWorker);
    for (const worker of workers) {
      const queue = worker.name;
      worker.on('completed', () => {
        lastProgressAt = clock();
        metrics.jobsCompleted.inc({ queue });
      });
      worker.on('failed', (job: Job | undefined, error: Error) => {
        lastProgressAt = clock();
        if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
          logger.error({ queue, job: job.id, error: describeError(error) }, 'job failed for good');
        }
      });
      worker.on('error', (error) => logger.debug({ queue, error: describeError(error) }, 'worker error'));
    }
  }
  if (options.scheduler !== false) {
    await upsertSchedulers(queues.schedule, {
      everyMs: config.scheduleEveryMs,
      reportCron: config.reports.schedule,
      timeZone: config.timeZone,
    });
  }
  metrics.setQueueProbe({
    async depth() {
      const result: Record<string, Record<string, number>> = {};
      for (const queue of [queues.sync, queues.report]) {
        result[queue.name] = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'prioritized',
        );
      }
      return result;
    },
    async oldestWaitingSeconds() {
      const result: Record<string, number> = {};
      for (const queue of [queues.sync, queues.report]) {
        const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
        result[queue.name] = oldest === undefined ? 0 : Math.max(0, (clock() - oldest.timestamp) / 1000);
      }
      return result;
    },
  });
  const liveness = async (): Promise<HealthStatus> => {
    if (workers.length === 0) return { ok: true, checks: { workers: 'none in this process' } };
    const idleMs = clock() - Math.max(lastProgressAt, startedAt);
    if (idleMs <= timings.stalledAfterMs) return { ok: true, checks: { workers: 'making progress' } };
    let waiting: number;
    try {
      waiting = await queues.sync.getWaitingCount();
    } catch {
      // Redis away is a readiness problem, not a reason to restart this process.
      return { ok: true, checks: { workers: 'cannot see the queue' } };
    }
    if (waiting === 0) return { ok: true, checks: { workers: 'idle, nothing waiting' } };
    return {
      ok: false,
      checks: { workers: `${waiting} jobs wait but none completed here for ${Math.round(idleMs / 1000)} s` },
    };
  };
  const readiness = async (): Promise<HealthStatus> => {
    const checks: Record<string, string> = {};
    let ok = true;
    try {
      await producer.ping();
      checks.redis = 'ok';
    } catch (error) {
      ok = false;
      checks.redis = describeError(error);
    }
    try {
      if (app.sink instanceof RestReferralSink) await app.sink.ping();
      checks.sink = 'ok';
    } catch (error) {
      ok = false;
      checks.sink = describeError(error);
    }
    return { ok, checks };
  };
  let server: ServiceServer | null = null;
  if (options.serve !== undefined && options.serve !== null) {
    const { token, user, password } = config.env.sink;
    try {
      server = await startServiceServer({
        ...options.serve,
        liveness,
        readiness,
        metrics: metrics.registry,
        ...(app.sink instanceof SqliteReferralSink
          ? { register: { store: app.sink, auth: { token, user, password } } }
          : {}),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      logger.warn(
        { port: options.serve.port },
        'server.port is in use (another hanvisa on this host?): this process serves no HTTP; give it --port',
      );
    }
  }
  let stopping: Promise<{ forced: boolean }> | null = null;
  /** Shutdown is best effort past the deadline, but a failure is still said, never swallowed. */
  const noted = (what: string) => (error: unknown) => {
    logger.warn({ error: describeError(error) }, `shutdown: closing ${what} failed`);
  };
  const stop = () => {
    stopping ??= (async () => {
      const deadline = Date.now() + timings.shutdownDeadlineMs;
      const remaining = () => Math.max(0, deadline - Date.now());
      const within = async (work: Promise<unknown>, ms: number) => {
        const timer = sleep(ms, 'timeout' as const);
        return (await Promise.race([work.then(() => 'done' as const), timer])) === 'done';
      };
      // 1. Workers: take no new jobs, let running ones finish (worker.close has no timeout of its own).
      const workersClosed = await within(
        Promise.all(workers.map((worker) => worker.close())),
        Math.floor(timings.shutdownDeadlineMs * 0.8),
      );
      if (!workersClosed) {
        logger.warn('shutdown deadline: jobs still running are left to other workers');
        await within(
          Promise.all(workers.map((worker) => worker.close(true).catch(noted('a worker')))),
          remaining(),
        );
      }
      // 2. Queues and the HTTP listener. 3. Redis.
      for (const cleanup of cleanups) await cleanup();
      const rest = async () => {
        await Promise.all(Object.values(queues).map((queue) => queue.close().catch(noted('a queue'))));
        await server?.close();
        if (workersClosed) await app.close();
        await Promise.all([
          connection.quit().catch(noted('the worker connection')),
          producer.quit().catch(noted('the producer connection')),
        ]);
      };
      const closed = await within(rest(), Math.max(remaining(), 1000));
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
      calendars: calendars.size,
      concurrency,
      workers: workers.length > 0,
      scheduler: options.scheduler !== false,
    },
    'distributed runtime started',
  );
  return { app, metrics, queues, server, liveness, readiness, stop };
}
