import { setTimeout as sleep } from 'node:timers/promises';
import type { Instant } from '../domain/occurrence.js';
import type { App } from './composition-root.js';
import { type ScheduledReportsResult, sendDueReports } from './report-schedule.js';
import type { CalendarSyncResult } from './sync-calendar.js';
import { type CycleSummary, cycleConcurrency, summarise, syncCycle } from './sync-cycle.js';

export interface EmbeddedRuntimeOptions {
  readonly everyMs: number;
  readonly signal: AbortSignal;
  readonly clock: () => Instant;
  /** Stop after this many cycles (tests, `start --cycles N`); unbounded when absent. */
  readonly maxCycles?: number;
  readonly onCycle: (results: readonly CalendarSyncResult[], summary: CycleSummary, now: Instant) => void;
  /** Called when scheduled reports were produced or retried, or failed (see `sendDueReports`). */
  readonly onReports?: (result: ScheduledReportsResult, now: Instant) => void;
}

/**
 * The embedded runtime: one process, no Redis. A cycle over every calendar, then a pause of
 * `everyMs`, until the signal stops it. A stop waits for the running cycle to finish (each
 * calendar's plan is applied in one transaction, so stopping never leaves half a plan), then
 * returns; the caller closes the app.
 */
export async function runEmbedded(app: App, options: EmbeddedRuntimeOptions): Promise<number> {
  let cycles = 0;
  while (!options.signal.aborted) {
    const now = options.clock();
    const results = await syncCycle(app.sync, app.config.calendars, {
      now,
      concurrency: cycleConcurrency(app.config),
    });
    cycles++;
    options.onCycle(results, summarise(results), now);
    const reports = await sendDueReports(app.reports, now);
    if (reports.slot !== null || reports.retried.length > 0 || reports.errors.length > 0)
      options.onReports?.(reports, now);
    if (options.maxCycles !== undefined && cycles >= options.maxCycles) break;
    try {
      await sleep(options.everyMs, undefined, { signal: options.signal });
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  }
  return cycles;
}
