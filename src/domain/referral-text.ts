import { DateTime } from 'luxon';
import type { Instant } from './occurrence.js';

/**
 * What the switchboard says: "Möte, åter 14.30". Back the same day: the time only; back on
 * another day: the date too ("Semester, åter 3 dec"), without a time when it is local midnight
 * (all-day absences). Swedish style: 14.30, day-month.
 */
export function referralText(label: string, start: Instant, end: Instant, timeZone: string): string {
  const from = DateTime.fromMillis(start, { zone: timeZone });
  const back = DateTime.fromMillis(end, { zone: timeZone }).setLocale('sv');
  if (back.hasSame(from, 'day')) return `${label}, åter ${back.toFormat('HH.mm')}`;
  const isMidnight = back.hour === 0 && back.minute === 0;
  return `${label}, åter ${back.toFormat(isMidnight ? 'd MMM' : 'd MMM HH.mm')}`;
}
