import { DateTime } from 'luxon';
import type { Instant } from '../../../domain/occurrence.js';
import { MONTHS, REFERRAL_WEEKDAYS, SHORT_MONTHS, WEEKDAYS } from '../../../domain/swedish-names.js';

/** Local calendar fields of an instant. */
export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** 0 = Sunday. */
  readonly weekday: number;
}

const QUARTER_HOUR = 900_000;

/**
 * Local time in one IANA zone, fast: the zone's UTC offset is looked up through Luxon once per
 * quarter hour of UTC (offsets change only on quarter hours) and cached, and the fields come
 * from plain arithmetic. The board formats hundreds of times per keystroke; Luxon per call
 * would cost most of the 50 ms a search may take.
 */
export class ZoneClock {
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {}

  private offsetMs(instant: Instant): number {
    const bucket = Math.floor(instant / QUARTER_HOUR);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      offset = DateTime.fromMillis(bucket * QUARTER_HOUR, { zone: this.zone }).offset * 60_000;
      if (this.offsets.size > 200_000) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  parts(instant: Instant): LocalParts {
    const local = new Date(instant + this.offsetMs(instant));
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      weekday: local.getUTCDay(),
    };
  }

  /** A number naming the local day (same day, same number). */
  dayKey(instant: Instant): number {
    const parts = this.parts(instant);
    return parts.year * 10_000 + parts.month * 100 + parts.day;
  }

  /** `tor 3 december` (long, as reports say it) or `tors 3 dec` (short, as referralText says it). */
  date(instant: Instant, short = false): string {
    const parts = this.parts(instant);
    return short
      ? `${REFERRAL_WEEKDAYS[(parts.weekday + 6) % 7]} ${parts.day} ${SHORT_MONTHS[parts.month - 1]}`
      : `${WEEKDAYS[(parts.weekday + 6) % 7]} ${parts.day} ${MONTHS[parts.month - 1]}`;
  }

  /** `09.05` */
  time(instant: Instant): string {
    const parts = this.parts(instant);
    return `${String(parts.hour).padStart(2, '0')}.${String(parts.minute).padStart(2, '0')}`;
  }

  /**
   * What the switchboard says, the same text as the domain's `referralText` ("Möte, åter
   * 14.30"; another day: "Semester, åter mån 14 dec", with the time unless it is midnight),
   * without Luxon per call.
   */
  returnText(label: string, start: Instant, end: Instant): string {
    if (this.dayKey(start) === this.dayKey(end)) return `${label}, åter ${this.time(end)}`;
    const day = this.date(end, true);
    return this.isMidnight(end) ? `${label}, åter ${day}` : `${label}, åter ${day} ${this.time(end)}`;
  }

  private isMidnight(instant: Instant): boolean {
    const parts = this.parts(instant);
    return parts.hour === 0 && parts.minute === 0;
  }

  /**
   * A span as people say it: `tis 1 december 13.00–16.00`; all-day absences by their days,
   * `mån 7 december, hela dagen` or `fre 11 december, t.o.m. sön 13 december`; otherwise
   * `tis 1 december 13.00 – ons 2 december 09.00`. `withDate` false drops the first date (today).
   */
  span(
    start: Instant,
    end: Instant,
    options: { readonly withDate?: boolean; readonly short?: boolean } = {},
  ): string {
    const withDate = options.withDate ?? true;
    const short = options.short ?? false;
    const first = withDate ? this.date(start, short) : '';
    if (end > start && this.isMidnight(start) && this.isMidnight(end)) {
      const lastDay = end - 1;
      const lead = withDate ? `${first}, ` : '';
      return this.dayKey(lastDay) === this.dayKey(start)
        ? `${lead}hela dagen`
        : `${lead}t.o.m. ${this.date(lastDay, short)}`;
    }
    const lead = withDate ? `${first} ` : '';
    if (this.dayKey(start) === this.dayKey(end)) return `${lead}${this.time(start)}–${this.time(end)}`;
    return `${lead}${this.time(start)} – ${this.date(end, short)} ${this.time(end)}`;
  }
}

/** A span in words (see `ZoneClock.span`), for pages that format a few. */
export function spanText(start: Instant, end: Instant, zone: string): string {
  return new ZoneClock(zone).span(start, end);
}
