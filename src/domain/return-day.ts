import { DateTime } from 'luxon';
import type { Instant } from './occurrence.js';

/** Which local dates ("2026-12-14") are working days (weekends and public holidays are not). */
export type WorkingDayTest = (isoDate: string) => boolean;

/** Turns an absence's end into when the person is back ("åter"). */
export type ReturnDay = (start: Instant, end: Instant, allDay: boolean) => Instant;

/**
 * "Åter" for all-day and multi-day absences is the next working day: an absence that ends at
 * local midnight (all-day, or a whole number of days) ends at the start of the first working
 * day on or after that date, so a vacation ending on a Friday reads "åter mån 14 dec", not
 * Saturday, and one ending before Christmas skips the holidays. Absences that end at another
 * time, or within a day, keep their end: the person is back then.
 */
export function returnDay(timeZone: string, isWorkingDay: WorkingDayTest): ReturnDay {
  return (start, end, allDay) => {
    let back = DateTime.fromMillis(end, { zone: timeZone });
    const atMidnight = back.hour === 0 && back.minute === 0 && back.second === 0;
    if (!atMidnight || (!allDay && end - start < 86_400_000)) return end;
    for (let days = 0; days < 366 && !isWorkingDay(back.toISODate() as string); days++) {
      back = back.plus({ days: 1 }).startOf('day');
    }
    return back.toMillis();
  };
}
