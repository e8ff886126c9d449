import type { JobsOptions } from 'bullmq';
import type { JobKind } from '../src/app/jobs/job-kind.js';
import { SYNC_CALENDAR } from '../src/app/jobs/job-table.js';

export { SYNC_CALENDAR };

/** Redis key prefix of hanvisa's queues and state. */
export const KEY_PREFIX = 'hanvisa';

/**
 * Deterministic job ids: the same work in the same schedule slot is one job, however often and
 * by however many processes the slot is enqueued. BullMQ forbids ':' in custom ids, so '|'.
 */
export function slotJobId(kind: string, key: string, slot: number): string {
  return `${kind}|${key}|${slot}`;
}

/** A calendar's sync job id in a slot (what tests and dashboards look up). */
export function syncJobId(calendarId: string, slot: number): string {
  return slotJobId(SYNC_CALENDAR, calendarId, slot);
}

/** At most one waiting job per kind and key: a slow cycle does not pile up, a burst coalesces. */
export function deduplicationId(kind: string, key: string): string {
  return `${kind}|${key}`;
}

/** Name of hanvisa's backoff strategy (exponential with jitter, at least the server's Retry-After). */
export const BACKOFF_TYPE = 'hanvisa';

/** Bounded history: Redis memory stays flat at 50,000 calendars. */
export const KEEP_COMPLETED = { count: 1000, age: 24 * 3600 };
export const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 };

/** A kind's BullMQ job options, from the kind's own retry policy. */
export function jobOptionsOf(kind: Pick<JobKind, 'retry'>): JobsOptions {
  return {
    attempts: kind.retry.attempts,
    backoff: { type: BACKOFF_TYPE, delay: kind.retry.baseDelayMs },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Exponential backoff with jitter ("equal jitter": half fixed, half random), never shorter than
 * the Retry-After the failing side asked for.
 */
export function backoffDelay(attemptsMade: number, baseMs: number, retryAfterMs: number | null): number {
  const exponential = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}
