import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import type { WorkingDayTest } from '../domain/return-day.js';

/** Where the public holidays come from: an ISO country and, optionally, a region (state, län). */
export interface HolidaySettings {
  readonly country: string;
  readonly region?: string | undefined;
}

/** Holiday kinds that close a Swedish workplace: public holidays and the de facto ones (julafton, midsommarafton, nyårsafton, which date-holidays calls bank holidays). */
const CLOSED = new Set(['public', 'bank']);

/**
 * Working days: Monday to Friday, except the public holidays of `settings` (through the
 * date-holidays library: maintained rules for every country, Easter and midsummer included).
 * Pure: the holiday rules are data inside the library; results are cached per year.
 */
export function workingDays(settings: HolidaySettings): WorkingDayTest {
  const holidays = settings.region
    ? new Holidays(settings.country, settings.region)
    : new Holidays(settings.country);
  const closedByYear = new Map<number, Set<string>>();
  const closed = (year: number): Set<string> => {
    let dates = closedByYear.get(year);
    if (dates === undefined) {
      dates = new Set(
        holidays
          .getHolidays(year)
          .filter((holiday) => CLOSED.has(holiday.type))
          .map((holiday) => holiday.date.slice(0, 10)),
      );
      closedByYear.set(year, dates);
    }
    return dates;
  };
  return (isoDate) => {
    const date = DateTime.fromISO(isoDate, { zone: 'UTC' });
    return date.weekday <= 5 && !closed(date.year).has(isoDate);
  };
}
