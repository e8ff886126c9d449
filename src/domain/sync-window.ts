import { DateTime } from 'luxon';
import type { Instant, TimeSpan } from './occurrence.js';

export interface WindowSettings {
  readonly pastDays: number;
  readonly futureDays: number;
}

/**
 * The span a sync looks at: from local midnight `pastDays` before today to the local midnight
 * that ends the `futureDays`-th day after today, in the organisation's zone (so on DST days the
 * span is 23 or 25 hours longer or shorter, as the wall clock is). Defaults: yesterday 00:00 to
 * the end of the 14th day ahead.
 */
export function syncWindow(now: Instant, timeZone: string, settings: WindowSettings): TimeSpan {
  const today = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
  return {
    from: today.minus({ days: settings.pastDays }).toMillis(),
    to: today.plus({ days: settings.futureDays + 1 }).toMillis(),
  };
}
