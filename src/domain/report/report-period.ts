import { DateTime } from 'luxon';
import type { Instant } from '../occurrence.js';

/** The span of time one scheduled report covers; `to` is exclusive. */
export interface ReportPeriod {
  readonly from: Instant;
  readonly to: Instant;
}

function localMidnight(instant: Instant, timeZone: string): Instant {
  return DateTime.fromMillis(instant, { zone: timeZone }).startOf('day').toMillis();
}

/**
 * The period a scheduled report covers, given two consecutive firings of `reports.schedule`:
 * from local midnight of the previous firing's day to local midnight of this firing's day, in
 * the organisation's zone. Whole local days, so the default Mondays 07:00 covers Monday to
 * Sunday (167 or 169 hours in a DST week), a daily schedule the previous day, a monthly one the
 * previous month. Both runtimes name a report by this period, so a report is the same report
 * whichever runtime (or a retry) produced it.
 */
export function reportPeriod(previousSlot: Instant, slot: Instant, timeZone: string): ReportPeriod {
  return { from: localMidnight(previousSlot, timeZone), to: localMidnight(slot, timeZone) };
}
