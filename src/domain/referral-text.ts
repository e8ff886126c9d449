import { DateTime } from 'luxon';
import type { Instant } from './occurrence.js';
import { REFERRAL_WEEKDAYS, SHORT_MONTHS } from './swedish-names.js';

/** "mån 14 dec", with " 08.30" unless it is local midnight (a whole day). */
export function swedishDay(instant: Instant, timeZone: string): string {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  const day = `${REFERRAL_WEEKDAYS[local.weekday - 1]} ${local.day} ${SHORT_MONTHS[local.month - 1]}`;
  return local.hour === 0 && local.minute === 0 ? day : `${day} ${local.toFormat('HH.mm')}`;
}

/**
 * What the switchboard says: "Möte, åter 14.30". Back the same day: the time only; back on
 * another day: weekday and date ("Semester, åter mån 14 dec"), with the time unless it is
 * local midnight (all-day absences, whose end is already the next working day: see
 * `returnDay`). Swedish style: 14.30, weekday day month.
 */
export function referralText(label: string, start: Instant, end: Instant, timeZone: string): string {
  const from = DateTime.fromMillis(start, { zone: timeZone });
  const back = DateTime.fromMillis(end, { zone: timeZone });
  if (back.hasSame(from, 'day')) return `${label}, åter ${back.toFormat('HH.mm')}`;
  return `${label}, åter ${swedishDay(end, timeZone)}`;
}
