import { DateTime } from 'luxon';
import type { Instant } from '../../../domain/occurrence.js';
import { swedishDate, swedishTime } from '../../../domain/report/swedish-format.js';

function isMidnight(day: DateTime): boolean {
  return day.hour === 0 && day.minute === 0 && day.second === 0;
}

/**
 * A span as people say it: `tis 1 december 13.00–16.00`; all-day absences by their days,
 * `mån 7 december, hela dagen` or `fre 11 december – sön 13 december, hela dagar`; otherwise
 * `tis 1 december 13.00 – ons 2 december 09.00`. `withDate` false drops the first date (today).
 */
export function spanText(start: Instant, end: Instant, zone: string, withDate = true): string {
  const from = DateTime.fromMillis(start, { zone });
  const to = DateTime.fromMillis(end, { zone });
  const day = withDate ? `${swedishDate(start, zone)} ` : '';
  if (isMidnight(from) && isMidnight(to) && to > from) {
    const last = to.minus({ days: 1 });
    const lead = withDate ? `${swedishDate(start, zone)}, ` : '';
    return last.hasSame(from, 'day')
      ? `${lead}hela dagen`
      : `${lead}t.o.m. ${swedishDate(last.toMillis(), zone)}`;
  }
  if (from.hasSame(to, 'day')) return `${day}${swedishTime(start, zone)}–${swedishTime(end, zone)}`;
  return `${day}${swedishTime(start, zone)} – ${swedishDate(end, zone)} ${swedishTime(end, zone)}`;
}
