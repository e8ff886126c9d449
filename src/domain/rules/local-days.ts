import { DateTime } from 'luxon';
import type { Instant } from '../occurrence.js';

/** One local calendar day in the organisation's zone: [start, end) is 23, 24 or 25 hours long. */
export interface LocalDay {
  readonly start: Instant;
  readonly end: Instant;
  /** ISO date, e.g. `2026-03-29`. */
  readonly label: string;
  /** ISO weekday, 1 = Monday. */
  readonly weekday: number;
  /** The day's deadline time (e.g. 08:00 local) as an instant. */
  readonly deadline: Instant;
}

const UTC_DAY_MS = 86_400_000;

/** Parses `HH:MM` into hour and minute. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (match === null) throw new RangeError(`not a local time of day: ${text}`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * Local days of one IANA zone, computed through Luxon and remembered. Every instant maps to
 * exactly one local day; the cache is keyed by the UTC day an instant falls in (a UTC day
 * overlaps at most two local days, whatever the zone and DST), so a lookup is one Map read and
 * at most two range checks, and Luxon runs once per local day instead of once per occurrence.
 * No offset arithmetic happens here: day bounds and the deadline come from Luxon.
 */
export class LocalDays {
  readonly timeZone: string;
  readonly #deadline: { hour: number; minute: number };
  readonly #byUtcDay = new Map<number, LocalDay[]>();
  #last: LocalDay | null = null;

  constructor(timeZone: string, deadline = '08:00') {
    this.timeZone = timeZone;
    this.#deadline = parseTimeOfDay(deadline);
  }

  /** The local day `instant` falls in. */
  dayOf(instant: Instant): LocalDay {
    const last = this.#last;
    if (last !== null && instant >= last.start && instant < last.end) return last;
    const candidates = this.#byUtcDay.get(Math.floor(instant / UTC_DAY_MS));
    if (candidates !== undefined) {
      for (const day of candidates) {
        if (instant >= day.start && instant < day.end) {
          this.#last = day;
          return day;
        }
      }
    }
    const day = this.#compute(instant);
    for (
      let index = Math.floor(day.start / UTC_DAY_MS);
      index <= Math.floor((day.end - 1) / UTC_DAY_MS);
      index++
    ) {
      const list = this.#byUtcDay.get(index);
      if (list === undefined) this.#byUtcDay.set(index, [day]);
      else list.push(day);
    }
    this.#last = day;
    return day;
  }

  /** A local wall-clock time on `day` as an instant (Luxon resolves a time a DST jump skips). */
  at(day: LocalDay, time: { hour: number; minute: number }): Instant {
    return DateTime.fromMillis(day.start, { zone: this.timeZone })
      .set({ hour: time.hour, minute: time.minute, second: 0, millisecond: 0 })
      .toMillis();
  }

  #compute(instant: Instant): LocalDay {
    const local = DateTime.fromMillis(instant, { zone: this.timeZone }).startOf('day');
    const start = local.toMillis();
    return {
      start,
      end: local.plus({ days: 1 }).startOf('day').toMillis(),
      label: local.toISODate() as string,
      weekday: local.weekday,
      deadline: local.set({ hour: this.#deadline.hour, minute: this.#deadline.minute }).toMillis(),
    };
  }
}
