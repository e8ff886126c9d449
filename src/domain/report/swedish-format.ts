import { DateTime } from 'luxon';
import type { Instant } from '../occurrence.js';
import { MONTHS, WEEKDAYS } from '../swedish-names.js';

/** Swedish dates and times for reports: local parts from Luxon in the configured zone, names from swedish-names. */
function local(instant: Instant, timeZone: string): DateTime {
  return DateTime.fromMillis(instant, { zone: timeZone });
}

/** `tis 3 mars` */
export function swedishDate(instant: Instant, timeZone: string): string {
  const day = local(instant, timeZone);
  return `${WEEKDAYS[day.weekday - 1]} ${day.day} ${MONTHS[day.month - 1]}`;
}

/** `3 mars` */
export function swedishDayMonth(instant: Instant, timeZone: string): string {
  const day = local(instant, timeZone);
  return `${day.day} ${MONTHS[day.month - 1]}`;
}

/** `09.05` (the Swedish clock notation the switchboard uses: "åter 14.30"). */
export function swedishTime(instant: Instant, timeZone: string): string {
  return local(instant, timeZone).toFormat('HH.mm');
}

/** The local ISO date, e.g. `2026-03-03`. */
export function localIsoDate(instant: Instant, timeZone: string): string {
  return local(instant, timeZone).toISODate() as string;
}

/** ISO week number of the local date. */
export function isoWeek(instant: Instant, timeZone: string): number {
  return local(instant, timeZone).weekNumber;
}

/**
 * A half-open period [from, to) as people say it, with the last day included:
 * `2–8 mars 2026`, `23 februari – 1 mars 2026`, `29 december 2025 – 4 januari 2026`.
 */
export function swedishPeriod(from: Instant, to: Instant, timeZone: string): string {
  const first = local(from, timeZone);
  const last = local(Math.max(from, to - 1), timeZone);
  if (first.year !== last.year) {
    return `${first.day} ${MONTHS[first.month - 1]} ${first.year} – ${last.day} ${MONTHS[last.month - 1]} ${last.year}`;
  }
  if (first.month !== last.month) {
    return `${first.day} ${MONTHS[first.month - 1]} – ${last.day} ${MONTHS[last.month - 1]} ${last.year}`;
  }
  if (first.day === last.day) return `${first.day} ${MONTHS[first.month - 1]} ${first.year}`;
  return `${first.day}–${last.day} ${MONTHS[last.month - 1]} ${last.year}`;
}

/** How long, in words a manager reads at a glance: `12 min`, `1 tim 5 min`, `2 d 3 tim`. */
export function swedishDuration(milliseconds: number): string {
  const minutes = Math.max(0, Math.round(milliseconds / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours} tim` : `${hours} tim ${rest} min`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours === 0 ? `${days} d` : `${days} d ${restHours} tim`;
}
