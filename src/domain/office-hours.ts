import { DateTime } from 'luxon';
import type { Instant } from './occurrence.js';

/** Local office hours: from/to as "HH:MM", ISO weekdays (1 = Monday). */
export interface OfficeHours {
  readonly from: string;
  readonly to: string;
  readonly days: readonly number[];
}

function at(day: DateTime, time: string): DateTime {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

/**
 * The first instant at or after `now` inside office hours in `timeZone`: `now` itself when it
 * is inside, else the next working day's opening (across DST through Luxon). A mail to an
 * employee waits for it, so nobody is mailed at night.
 */
export function nextOfficeInstant(now: Instant, timeZone: string, hours: OfficeHours): Instant {
  const local = DateTime.fromMillis(now, { zone: timeZone });
  for (let offset = 0; offset <= 7; offset++) {
    const day = local.plus({ days: offset }).startOf('day');
    if (!hours.days.includes(day.weekday)) continue;
    const open = at(day, hours.from);
    const close = at(day, hours.to);
    if (offset === 0 && local >= open && local < close) return now;
    if (open > local) return open.toMillis();
  }
  return now;
}
