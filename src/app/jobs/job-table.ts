import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { z } from 'zod';
import { PermanentError, ThrottledError, TransientError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import type { HanvisaConfig } from '../config/load-config.js';
import type { HanvisaMetrics } from '../metrics.js';
import type { CalendarRef } from '../ports/calendar-source.js';
import { type ReportDependencies, sendDueReports } from '../report-schedule.js';
import { retryPendingReports } from '../send-report.js';
import { type CalendarSyncResult, type SyncDependencies, syncCalendar } from '../sync-calendar.js';
import type { JobKind, JobOutcome, JobRequest, JobTable } from './job-kind.js';

/** What the job handlers need; the composition root wires it once. */
export interface JobTableDependencies {
  readonly config: Pick<HanvisaConfig, 'calendars' | 'workers'>;
  readonly sync: SyncDependencies;
  readonly reports: ReportDependencies;
  readonly metrics: HanvisaMetrics;
  readonly logger: Logger;
  /** Drops what retention says to forget (findings, first-seen times, ended entries). */
  readonly pruneRetention: (now: Instant) => Promise<Readonly<Record<string, number>>>;
  /**
   * Deletes the entries (and sync state) of calendars no longer in the directory; the config's
   * calendars are the whole directory (the Entra opt-in group merged in before the app is wired).
   */
  readonly removeDepartedCalendars: () => Promise<Readonly<Record<string, number>>>;
  /** Told every calendar round's result (the embedded runtime prints its cycles from it). */
  readonly onCalendarSynced?: (result: CalendarSyncResult) => void;
  /** Graph change notifications (`push:`): its kinds, and the wrapper of every calendar's sync. */
  readonly push?: {
    readonly kinds: readonly JobKind<never>[];
    aroundSync(calendarId: string, now: Instant, sync: () => Promise<JobOutcome>): Promise<JobOutcome>;
  };
  /** Kinds wired elsewhere in the composition root (deliverOutbox, issue 12). */
  readonly extraKinds?: readonly JobKind<never>[];
}

/** The kind that syncs one calendar: its name, and its retry policy (5 attempts from 5 s). */
export const SYNC_CALENDAR = 'syncCalendar';
export const SYNC_CALENDAR_RETRY = { attempts: 5, baseDelayMs: 5_000 } as const;

/** The job request that syncs one calendar (the poll, "Synka nu", a push notification). */
export function syncCalendarRequest(calendarId: string): JobRequest {
  return { kind: SYNC_CALENDAR, data: { calendarId } };
}

const calendarId = z.string().regex(/^[\w./@-]{1,200}$/, 'a calendar id');
const nothing = z.strictObject({});

/** A kind with one job per slot and no data (reports, mail retries, retention). */
function singleton(
  name: string,
  retry: JobKind['retry'],
  handle: (now: Instant) => Promise<JobOutcome>,
): JobKind<Record<string, never>> {
  return {
    name,
    data: nothing as z.ZodType<Record<string, never>>,
    key: () => name,
    retry,
    everySlot: () => [{}],
    handle: (_data, now) => handle(now),
  };
}

/**
 * The syncCalendar kind: one calendar's round through the sync use case, its outcome in the
 * queue's language. Transient failures throw `TransientError` (a Graph 429 with Retry-After a
 * `ThrottledError`, so the whole kind waits); permanent failures and refused plans throw
 * `PermanentError` (failed once; the calendar's referrals stay).
 */
function syncCalendarKind(deps: JobTableDependencies): JobKind<{ calendarId: string }> {
  const calendars = new Map(deps.config.calendars.map((calendar) => [calendar.id, calendar]));
  return {
    name: SYNC_CALENDAR,
    data: z.strictObject({ calendarId }),
    key: (data) => data.calendarId,
    retry: SYNC_CALENDAR_RETRY,
    concurrency: deps.config.workers.concurrency,
    everySlot: () => deps.config.calendars.map((calendar) => ({ calendarId: calendar.id })),
    async handle(data, now) {
      const calendar = calendars.get(data.calendarId);
      // The directory changed between enqueueing and now: nothing to do.
      if (calendar === undefined) return { status: 'skipped' };
      const round = () => syncOnce(calendar, now);
      return deps.push === undefined ? round() : deps.push.aroundSync(calendar.id, now, round);
    },
  };

  async function syncOnce(calendar: CalendarRef, now: Instant): Promise<JobOutcome> {
    const started = performance.now();
    const result = await syncCalendar(deps.sync, calendar, { now });
    deps.metrics.recordSync(result, performance.now() - started);
    deps.onCalendarSynced?.(result);
    const counts = { created: result.created, updated: result.updated, deleted: result.deleted };
    if (result.status === 'synced' || result.status === 'unchanged') return { status: result.status, counts };
    const message = result.error ?? `calendar ${calendar.id}: ${result.status}`;
    if (result.status === 'failed' && result.transient) {
      if (calendar.kind === 'graph' && result.retryAfterMs !== null) {
        deps.metrics.graphThrottled.inc();
        throw new ThrottledError(message, { retryAfterMs: result.retryAfterMs });
      }
      throw new TransientError(message, { retryAfterMs: result.retryAfterMs });
    }
    throw new PermanentError(message);
  }
}

/**
 * The one table of job kinds: both runtimes run exactly these handlers; a runtime decides only
 * when and where (in process, or BullMQ workers on any host).
 */
export function createJobTable(deps: JobTableDependencies): JobTable {
  const kinds: JobKind<never>[] = [
    syncCalendarKind(deps) as JobKind<never>,
    singleton('sendDueReports', { attempts: 3, baseDelayMs: 30_000 }, async (now) => {
      const result = await sendDueReports(deps.reports, now);
      for (const error of result.errors) deps.logger.warn({ error }, 'scheduled report not mailed yet');
      return {
        status: result.slot === null ? 'none due' : 'sent',
        counts: { reports: result.delivered.length },
      };
    }) as JobKind<never>,
    singleton('retryPendingMail', { attempts: 1, baseDelayMs: 60_000 }, async (now) => {
      const outcomes = await retryPendingReports(deps.reports, now);
      for (const outcome of outcomes)
        if (outcome.error !== null)
          deps.logger.warn({ error: outcome.error }, 'pending report still not mailed');
      return { status: 'done', counts: { retried: outcomes.length } };
    }) as JobKind<never>,
    singleton('pruneRetention', { attempts: 3, baseDelayMs: 60_000 }, async (now) => ({
      status: 'done',
      counts: await deps.pruneRetention(now),
    })) as JobKind<never>,
    singleton('removeDepartedCalendars', { attempts: 3, baseDelayMs: 60_000 }, async () => ({
      status: 'done',
      counts: await deps.removeDepartedCalendars(),
    })) as JobKind<never>,
    ...(deps.push?.kinds ?? []),
    ...(deps.extraKinds ?? []),
  ];
  return new Map(kinds.map((kind) => [kind.name, kind]));
}
