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
  // A cycle asks for the same window once per calendar: the last answer is kept (same inputs,
  // same answer), so a cycle of 10,000 calendars does the zone arithmetic once, not 10,000 times.
  const last = lastWindow;
  if (
    last !== null &&
    last.now === now &&
    last.timeZone === timeZone &&
    last.pastDays === settings.pastDays &&
    last.futureDays === settings.futureDays
  ) {
    return last.window;
  }
  const window = computeWindow(now, timeZone, settings);
  lastWindow = { now, timeZone, pastDays: settings.pastDays, futureDays: settings.futureDays, window };
  return window;
}

let lastWindow: {
  readonly now: Instant;
  readonly timeZone: string;
  readonly pastDays: number;
  readonly futureDays: number;
  readonly window: TimeSpan;
} | null = null;

function computeWindow(now: Instant, timeZone: string, settings: WindowSettings): TimeSpan {
  const today = DateTime.fromMillis(now, { zone: timeZone }).startOf('day');
  return {
    from: today.minus({ days: settings.pastDays }).toMillis(),
    to: today.plus({ days: settings.futureDays + 1 }).toMillis(),
  };
}
