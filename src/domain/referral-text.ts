import { DateTime } from 'luxon';
import type { Instant } from './occurrence.js';

/** Swedish names spelled out (not Intl's "dec."), so the text is the same on every Node/ICU. */
const WEEKDAYS = ['mån', 'tis', 'ons', 'tors', 'fre', 'lör', 'sön'] as const;
const MONTHS = [
  'jan',
  'feb',
  'mars',
  'apr',
  'maj',
  'juni',
  'juli',
  'aug',
  'sep',
  'okt',
  'nov',
  'dec',
] as const;

/** "mån 14 dec", with " 08.30" unless it is local midnight (a whole day). */
export function swedishDay(instant: Instant, timeZone: string): string {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  const day = `${WEEKDAYS[local.weekday - 1]} ${local.day} ${MONTHS[local.month - 1]}`;
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
