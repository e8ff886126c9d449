import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { HanvisaMetrics } from '../src/app/metrics.js';
import type { CalendarRef } from '../src/app/ports/calendar-source.js';
import { describeError } from '../src/app/privacy.js';
import { type SyncDependencies, syncCalendar } from '../src/app/sync-calendar.js';
import type { Instant } from '../src/domain/occurrence.js';
import type { CalendarLock } from './calendar-lock.js';
import { syncJobSchema } from './jobs.js';

/** A transient failure the queue retries with backoff; carries the server's Retry-After when it gave one. */
export class RetryLaterError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null) {
    super(message);
    this.name = 'RetryLaterError';
    this.retryAfterMs = retryAfterMs;
  }
}

export interface SyncProcessorDependencies {
  readonly sync: SyncDependencies;
  readonly calendars: ReadonlyMap<string, CalendarRef>;
  readonly clock: () => Instant;
  readonly metrics: HanvisaMetrics;
  readonly logger: Logger;
  readonly lock: CalendarLock;
  /** Pauses the whole sync queue (Graph throttles the app, not one job). */
  readonly rateLimit: (ms: number) => Promise<void>;
  /** When another worker holds the calendar's lock, look again after this long. */
  readonly lockedRetryMs: number;
}

/** What a sync job returns (stored in Redis): counts and a status, no personal data. */
export interface SyncJobResult {
  readonly status: string;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

/**
 * The BullMQ processor of one calendar's sync: validates the job's ids, takes the calendar's
 * lock, calls the `syncCalendar` use case (the same handler the embedded runtime calls) and
 * turns its outcome into the queue's language:
 * - a Graph calendar answering 429 → the queue pauses for Retry-After and the job goes back
 *   to waiting without using an attempt (`RateLimitError`);
 * - other transient failures → a retry with exponential backoff and jitter;
 * - permanent failures and refused plans → `UnrecoverableError` (failed once, not retried).
 */
export function createSyncProcessor(deps: SyncProcessorDependencies) {
  return async (job: Job, token?: string): Promise<SyncJobResult> => {
    const parsed = syncJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`sync job ${job.id}: data is not {calendarId, slot}`);
    const calendar = deps.calendars.get(parsed.data.calendarId);
    if (calendar === undefined) {
      // The config changed between fan-out and now: nothing to do.
      return { status: 'skipped', created: 0, updated: 0, deleted: 0 };
    }
    const held = await deps.lock.acquire(calendar.id, token ?? randomUUID());
    if (held === null) {
      await job.moveToDelayed(Date.now() + deps.lockedRetryMs, token);
      throw new DelayedError();
    }
    let result: Awaited<ReturnType<typeof syncCalendar>>;
    const started = performance.now();
    try {
      result = await syncCalendar(deps.sync, calendar, { now: deps.clock() });
    } finally {
      await held.release().catch((error: unknown) => {
        deps.logger.warn(
          { calendar: calendar.id, error: describeError(error) },
          'calendar lock release failed; the lock expires by itself',
        );
      });
    }
    deps.metrics.recordSync(result, performance.now() - started);
    const log = { calendar: calendar.id, job: job.id, status: result.status };
    if (result.status === 'synced' || result.status === 'unchanged') {
      deps.logger.debug(
        { ...log, created: result.created, updated: result.updated, deleted: result.deleted },
        'calendar synced',
      );
      return {
        status: result.status,
        created: result.created,
        updated: result.updated,
        deleted: result.deleted,
      };
    }
    const message = result.error ?? `calendar ${calendar.id}: ${result.status}`;
    if (result.status === 'failed' && result.transient) {
      if (calendar.kind === 'graph' && result.retryAfterMs !== null) {
        deps.metrics.graphThrottled.inc();
        deps.logger.warn(
          { ...log, retryAfterMs: result.retryAfterMs },
          'Graph throttled: pausing the sync queue',
        );
        await deps.rateLimit(result.retryAfterMs);
        throw Worker.RateLimitError();
      }
      deps.logger.warn(
        { ...log, attempt: job.attemptsMade + 1, error: message },
        'calendar sync failed; will retry',
      );
      throw new RetryLaterError(message, result.retryAfterMs);
    }
    deps.logger.error({ ...log, error: message }, 'calendar sync failed; not retried');
    throw new UnrecoverableError(message);
  };
}
