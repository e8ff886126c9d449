import type { Job, Queue } from 'bullmq';
import { CronExpressionParser } from 'cron-parser';
import type { Logger } from 'pino';
import type { Instant } from '../src/domain/occurrence.js';
import {
  REPORT_JOB,
  REPORT_TICK,
  reportJobId,
  SYNC_JOB,
  SYNC_TICK,
  syncDeduplicationId,
  syncJobId,
  TICK_JOB_OPTIONS,
} from './jobs.js';

const BULK = 1000;

/**
 * Two job schedulers, not one per calendar (BullMQ documents per-job schedulers as costly at
 * 50,000): a `sync-tick` every poll interval and a `report-tick` on the report cron in the
 * configured zone. Upserting is idempotent, so every process may do it at start.
 */
export async function upsertSchedulers(
  scheduleQueue: Queue,
  options: { everyMs: number; reportCron: string; timeZone: string },
): Promise<void> {
  await scheduleQueue.upsertJobScheduler(
    SYNC_TICK,
    { every: options.everyMs },
    { name: SYNC_TICK, data: {}, opts: TICK_JOB_OPTIONS },
  );
  await scheduleQueue.upsertJobScheduler(
    REPORT_TICK,
    { pattern: options.reportCron, tz: options.timeZone },
    { name: REPORT_TICK, data: {}, opts: TICK_JOB_OPTIONS },
  );
}

/** The slot a tick belongs to: its scheduled time rounded down to the poll interval. */
export function slotOf(instant: Instant, everyMs: number): number {
  return Math.floor(instant / everyMs) * everyMs;
}

/**
 * Fans one cycle out into one sync job per calendar with `addBulk`, in chunks. Job ids are
 * deterministic per calendar and slot, and each calendar has at most one waiting or running
 * sync job (deduplication), so a repeated fan-out adds nothing. Returns how many it offered.
 */
export async function enqueueSyncCycle(
  syncQueue: Queue,
  calendarIds: readonly string[],
  slot: number,
): Promise<number> {
  for (let index = 0; index < calendarIds.length; index += BULK) {
    await syncQueue.addBulk(
      calendarIds.slice(index, index + BULK).map((calendarId) => ({
        name: SYNC_JOB,
        data: { calendarId, slot },
        opts: { jobId: syncJobId(calendarId, slot), deduplication: { id: syncDeduplicationId(calendarId) } },
      })),
    );
  }
  return calendarIds.length;
}

/** The report period ending at `to`: from the previous firing of the cron (in the zone) to `to`. */
export function reportPeriod(cron: string, timeZone: string, to: Instant): { from: Instant; to: Instant } {
  const expression = CronExpressionParser.parse(cron, { currentDate: new Date(to), tz: timeZone });
  const previous = expression.prev().getTime();
  return { from: previous, to };
}

/** Fans a report tick out into one report job per manager. */
export async function enqueueReports(
  reportQueue: Queue,
  managers: readonly string[],
  period: { from: Instant; to: Instant },
): Promise<number> {
  for (let index = 0; index < managers.length; index += BULK) {
    await reportQueue.addBulk(
      managers.slice(index, index + BULK).map((manager) => ({
        name: REPORT_JOB,
        data: { manager, from: period.from, to: period.to },
        opts: { jobId: reportJobId(manager, period.to) },
      })),
    );
  }
  return managers.length;
}

/** The processor of the schedule queue: turns ticks into sync and report jobs. */
export function createTickProcessor(deps: {
  readonly syncQueue: Queue;
  readonly reportQueue: Queue;
  readonly calendarIds: readonly string[];
  readonly managers: readonly string[];
  readonly everyMs: number;
  readonly reportCron: string;
  readonly timeZone: string;
  readonly logger: Logger;
  /** After a report tick: drop findings past retention. */
  readonly prune?: (now: Instant) => Promise<number>;
}) {
  return async (job: Job): Promise<{ enqueued: number }> => {
    const scheduledAt = job.timestamp + (job.delay ?? 0);
    if (job.name === SYNC_TICK) {
      const slot = slotOf(scheduledAt, deps.everyMs);
      const enqueued = await enqueueSyncCycle(deps.syncQueue, deps.calendarIds, slot);
      deps.logger.info({ slot: new Date(slot).toISOString(), calendars: enqueued }, 'sync cycle enqueued');
      return { enqueued };
    }
    if (job.name === REPORT_TICK) {
      // The tick fires at the cron time; round to the minute so a retried tick names the same period.
      const to = Math.floor(scheduledAt / 60_000) * 60_000;
      const period = reportPeriod(deps.reportCron, deps.timeZone, to);
      const enqueued = await enqueueReports(deps.reportQueue, deps.managers, period);
      const pruned = deps.prune === undefined ? 0 : await deps.prune(to);
      deps.logger.info(
        { from: new Date(period.from).toISOString(), reports: enqueued, pruned },
        'reports enqueued',
      );
      return { enqueued };
    }
    return { enqueued: 0 };
  };
}
