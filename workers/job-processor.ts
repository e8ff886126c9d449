import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { JobKind } from '../src/app/jobs/job-kind.js';
import { describeError } from '../src/app/privacy.js';
import { isTransient, ThrottledError } from '../src/domain/errors.js';
import type { Instant } from '../src/domain/occurrence.js';
import type { KeyLock } from './key-lock.js';

/** A transient failure the queue retries with backoff; carries the server's Retry-After when it gave one. */
export class RetryLaterError extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null) {
    super(message);
    this.name = 'RetryLaterError';
    this.retryAfterMs = retryAfterMs;
  }
}

export interface JobProcessorDependencies {
  readonly clock: () => Instant;
  readonly logger: Logger;
  readonly lock: KeyLock;
  /** Pauses the kind's whole queue (Graph throttles the app, not one job). */
  readonly rateLimit: (ms: number) => Promise<void>;
  /** When another worker holds the key's lock, look again after this long. */
  readonly lockedRetryMs: number;
}

/**
 * The BullMQ processor of one job kind: validates the job's data, takes the key's lock, calls
 * the kind's handler (the same one the embedded runtime calls) and turns its outcome into the
 * queue's language:
 * - `ThrottledError` with Retry-After → the queue pauses and the job goes back to waiting
 *   without using an attempt (`RateLimitError`);
 * - other transient failures → a retry with exponential backoff and jitter;
 * - permanent failures (and anything unknown) → `UnrecoverableError` (failed once, not retried,
 *   never handed to the next worker to fail the same way).
 */
export function createJobProcessor(kind: JobKind<unknown>, deps: JobProcessorDependencies) {
  return async (job: Job, token?: string) => {
    const parsed = kind.data.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`${kind.name} job ${job.id}: its data is not valid`);
    const key = kind.key(parsed.data);
    const held = await deps.lock.acquire(`${kind.name}|${key}`, token ?? randomUUID());
    if (held === null) {
      await job.moveToDelayed(Date.now() + deps.lockedRetryMs, token);
      throw new DelayedError();
    }
    try {
      const outcome = await kind.handle(parsed.data, deps.clock());
      deps.logger.debug(
        { job: job.id, kind: kind.name, status: outcome.status, ...outcome.counts },
        'job done',
      );
      return outcome;
    } catch (error) {
      const message = describeError(error);
      const log = { job: job.id, kind: kind.name, error: message };
      if (error instanceof ThrottledError && error.retryAfterMs !== null) {
        deps.logger.warn({ ...log, retryAfterMs: error.retryAfterMs }, 'throttled: pausing the queue');
        await deps.rateLimit(error.retryAfterMs);
        throw Worker.RateLimitError();
      }
      if (isTransient(error)) {
        deps.logger.warn({ ...log, attempt: job.attemptsMade + 1 }, 'job failed; will retry');
        throw new RetryLaterError(message, (error as { retryAfterMs?: number | null }).retryAfterMs ?? null);
      }
      deps.logger.error(log, 'job failed; not retried');
      throw new UnrecoverableError(message);
    } finally {
      await held.release().catch((error: unknown) => {
        deps.logger.warn(
          { kind: kind.name, error: describeError(error) },
          'lock release failed; the lock expires by itself',
        );
      });
    }
  };
}
