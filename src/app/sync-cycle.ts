import type { Instant } from '../domain/occurrence.js';
import type { CalendarRef } from './ports/calendar-source.js';
import { type CalendarSyncResult, type SyncDependencies, syncCalendar } from './sync-calendar.js';

/** The summary DESIGN.md's `sync --once` prints. */
export interface CycleSummary {
  readonly calendars: number;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly errors: readonly { readonly calendar: string; readonly message: string }[];
}

/** Adds up calendar results into a cycle summary (a refused plan counts as failed: nothing was applied). */
export function summarise(results: readonly CalendarSyncResult[]): CycleSummary {
  const summary = { calendars: results.length, created: 0, updated: 0, deleted: 0, unchanged: 0, failed: 0 };
  const errors: { calendar: string; message: string }[] = [];
  for (const result of results) {
    if (result.status === 'failed' || result.status === 'refused') {
      summary.failed++;
      errors.push({ calendar: result.calendar, message: result.error ?? 'failed' });
      continue;
    }
    summary.created += result.created;
    summary.updated += result.updated;
    summary.deleted += result.deleted;
    summary.unchanged += result.unchanged;
  }
  return { ...summary, errors };
}

/**
 * How many calendars a cycle syncs at once: 8, or twice `graph.maxConcurrency` when Graph is
 * configured, so that Graph's global cap (not the cycle) is what limits requests in flight.
 */
export function cycleConcurrency(config: {
  readonly graph: { readonly maxConcurrency: number } | null | undefined;
}): number {
  return Math.max(8, 2 * (config.graph?.maxConcurrency ?? 0));
}

/**
 * One cycle over the given calendars with at most `concurrency` in flight. Each calendar's
 * failure stays its own (syncCalendar never throws for a calendar), so one broken feed never
 * stops the others. Results come back in the calendars' order.
 */
export async function syncCycle(
  deps: SyncDependencies,
  calendars: readonly CalendarRef[],
  options: { now: Instant; force?: boolean; concurrency?: number },
): Promise<CalendarSyncResult[]> {
  const results: CalendarSyncResult[] = new Array(calendars.length);
  let next = 0;
  const worker = async () => {
    while (next < calendars.length) {
      const index = next++;
      results[index] = await syncCalendar(deps, calendars[index] as CalendarRef, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, calendars.length) }, worker));
  return results;
}
