import ICAL from 'ical.js';
import type { DateValue, EventRecord } from './ics-event.js';
import { TIME, UTC_ZONE, type WallTime, type ZoneConverter, type ZoneResolver } from './ics-zones.js';

/**
 * How long an event lasts. Days are nominal (wall-clock: an all-day event or `P1D` ends at the
 * same local time the next day, 23 or 25 hours later on a DST day); the rest is exact time.
 */
export interface EventLength {
  readonly nominalDays: number;
  readonly exactMs: number;
}

/** The longest event length read (100 years); a DURATION beyond it makes the event unreadable. */
const MAX_LENGTH_MS = 36_525 * TIME.DAY;

/** The zone a DTSTART is read in: UTC for "Z", the configured zone for dates and floating times. */
export function zoneOf(value: DateValue, resolver: ZoneResolver): ZoneConverter {
  if (value.utc) return UTC_ZONE;
  if (value.isDate) return resolver.fallback;
  return resolver.resolve(value.tzid);
}

/** The instant of a DATE or DATE-TIME value (dates at local midnight in the configured zone). */
export function instantOf(value: DateValue, resolver: ZoneResolver): number {
  return zoneOf(value, resolver).toInstant(value.wall);
}

/** The length of an event from DTEND, DURATION, or the RFC 5545 defaults (one day, or zero). */
export function eventLength(
  record: EventRecord,
  start: DateValue,
  resolver: ZoneResolver,
): EventLength | null {
  if (record.dtend !== null) {
    if (start.isDate) {
      const days = Math.round((record.dtend.wall - start.wall) / TIME.DAY);
      return { nominalDays: Math.max(1, days), exactMs: 0 };
    }
    // A floating DTEND with a zoned DTSTART (seen in the wild) is read in DTSTART's zone.
    const end =
      !record.dtend.utc && !record.dtend.isDate && record.dtend.tzid === undefined
        ? { ...record.dtend, utc: start.utc, tzid: start.tzid }
        : record.dtend;
    const exact = instantOf(end, resolver) - instantOf(start, resolver);
    return { nominalDays: 0, exactMs: Math.max(0, exact) };
  }
  if (record.duration !== null) {
    let duration: ICAL.Duration;
    try {
      duration = ICAL.Duration.fromString(record.duration);
    } catch {
      return null;
    }
    if (duration.isNegative) return { nominalDays: 0, exactMs: 0 };
    const nominalDays = duration.weeks * 7 + duration.days;
    const exactMs = ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000;
    // Longer than a century is no real event, and past Date's range ("Invalid time value").
    if (!(nominalDays * TIME.DAY + exactMs <= MAX_LENGTH_MS)) return null;
    if (start.isDate && nominalDays === 0) return { nominalDays: 1, exactMs: 0 };
    return { nominalDays, exactMs };
  }
  return start.isDate ? { nominalDays: 1, exactMs: 0 } : { nominalDays: 0, exactMs: 0 };
}

/** The end instant of an occurrence that starts at `startWall` (= `start`) in `zone`. */
export function endOf(startWall: WallTime, start: number, length: EventLength, zone: ZoneConverter): number {
  if (length.nominalDays === 0) return start + length.exactMs;
  return zone.toInstant(startWall + length.nominalDays * TIME.DAY) + length.exactMs;
}

/** An upper bound of the length in ms (for skipping candidates far outside the window). */
export function maxLengthMs(length: EventLength): number {
  return length.nominalDays * TIME.DAY + length.exactMs + TIME.DAY;
}
