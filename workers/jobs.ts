import type { DefaultJobOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The queues of the distributed runtime and what their jobs carry: ids and instants only,
 * never a subject, an address or a feed URL (job data lives in Redis and in queue dashboards).
 */
export const QUEUE = {
  /** One job per calendar and time slot: sync it. */
  sync: 'sync',
  /** One job per manager and report period: build and send the report. */
  report: 'report',
  /** The job schedulers' ticks, fanned out into sync and report jobs. */
  schedule: 'schedule',
} as const;

/** Redis key prefix of hanvisa's queues and state. */
export const KEY_PREFIX = 'hanvisa';

export const SYNC_JOB = 'sync';
export const REPORT_JOB = 'report';
export const SYNC_TICK = 'sync-tick';
export const REPORT_TICK = 'report-tick';

const id = z.string().regex(/^[\w./-]{1,200}$/, 'an id of letters, digits, ".", "_", "-" or "/"');

export const syncJobSchema = z.strictObject({ calendarId: id, slot: z.number().int().nonnegative() });
export type SyncJobData = z.infer<typeof syncJobSchema>;

export const reportJobSchema = z.strictObject({
  manager: id,
  from: z.number().int(),
  to: z.number().int(),
});
export type ReportJobData = z.infer<typeof reportJobSchema>;

export const tickJobSchema = z.strictObject({});

/**
 * Deterministic job ids: the same calendar in the same slot is one job, however often the
 * fan-out runs (a retried tick, two schedulers). BullMQ forbids ':' in custom ids, so '|'.
 */
export function syncJobId(calendarId: string, slot: number): string {
  return `sync|${calendarId}|${slot}`;
}

export function reportJobId(manager: string, to: number): string {
  return `report|${manager}|${to}`;
}

/** At most one waiting or running sync job per calendar (a slow cycle does not pile up). */
export function syncDeduplicationId(calendarId: string): string {
  return `sync|${calendarId}`;
}

/** Name of hanvisa's backoff strategy (exponential with jitter, at least the server's Retry-After). */
export const BACKOFF_TYPE = 'hanvisa';

/** Bounded history: Redis memory stays flat at 50,000 calendars. */
export const KEEP_COMPLETED = { count: 1000, age: 24 * 3600 };
export const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 };

export const SYNC_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: BACKOFF_TYPE, delay: 5_000 },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_FAILED,
};

export const REPORT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: BACKOFF_TYPE, delay: 30_000 },
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_FAILED,
};

export const TICK_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: BACKOFF_TYPE, delay: 2_000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
};

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
