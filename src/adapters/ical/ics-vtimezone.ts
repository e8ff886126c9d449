import ICAL from 'ical.js';
import type { TimeSpan } from '../../domain/occurrence.js';
import type { FeedBudget } from './ics-budget.js';
import { type JCalComponent, parseDateValue } from './ics-event.js';
import { converterFromOffsets, TIME, timeFromWall, wallFromTime, type ZoneConverter } from './ics-zones.js';

/** One change of offset: from `instant` on, wall time is UTC + `offset`. */
interface Transition {
  readonly instant: number;
  readonly offset: number;
}

/** "+01:00", "-0530", "+013045" → milliseconds; null when it is not an offset. */
function offsetMs(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/.exec(value.trim());
  if (match === null) return null;
  const sign = match[1] === '-' ? -1 : 1;
  const ms = ((Number(match[2]) * 60 + Number(match[3])) * 60 + Number(match[4] ?? 0)) * 1000;
  return ms > 18 * TIME.HOUR ? null : sign * ms;
}

type Property = JCalComponent[1][number];

function first(properties: readonly Property[], name: string): Property | undefined {
  return properties.find((property) => property[0] === name);
}

/**
 * A VTIMEZONE from the feed itself, read by hanvisa (not ical.js' Timezone, which expands every
 * rule from its DTSTART up to the year asked for, with no limit: a 477-byte zone whose STANDARD
 * rule recurs FREQ=MINUTELY ran for minutes and died at 4.6 GB). The STANDARD/DAYLIGHT
 * observances are expanded up to a year past `horizon`, and every onset costs one zone
 * transition of the feed's budget (per zone and per feed: `FeedBudget.zoneTransition`), so a
 * zone that is too dense fails its calendar quickly, with a message naming the budget.
 *
 * RFC 5545 §3.6.5: an onset's DTSTART/RDATE are local time in TZOFFSETFROM; UNTIL is UTC.
 * Before the first onset the first observance's TZOFFSETFROM applies. A wall time in the fold
 * means its first occurrence (§3.3.5), as for IANA zones (`converterFromOffsets`).
 */
export function vtimezoneZone(
  tzid: string,
  component: JCalComponent,
  horizon: TimeSpan,
  budget: FeedBudget,
): ZoneConverter {
  const transitions: Transition[] = [];
  const lastWall = horizon.to + 366 * TIME.DAY;
  let before: number | null = null;
  let earliest = Number.POSITIVE_INFINITY;
  for (const observance of component[2] ?? []) {
    if (observance[0] !== 'standard' && observance[0] !== 'daylight') continue;
    const properties = observance[1];
    const from = offsetMs(first(properties, 'tzoffsetfrom')?.[3]);
    const to = offsetMs(first(properties, 'tzoffsetto')?.[3]);
    const start = parseDateValue(first(properties, 'dtstart')?.[3], undefined);
    if (to === null || start === null) continue;
    const fromOffset = from ?? to;
    const add = (wall: number) => {
      budget.zoneTransition(tzid);
      const instant = wall - fromOffset;
      transitions.push({ instant, offset: to });
      if (instant < earliest) {
        earliest = instant;
        before = fromOffset;
      }
    };
    add(start.wall);
    for (const property of properties) {
      if (property[0] === 'rdate') {
        for (const value of property.slice(3)) {
          const date = parseDateValue(Array.isArray(value) ? value[0] : value, undefined);
          if (date !== null && date.wall <= lastWall) add(date.utc ? date.wall + fromOffset : date.wall);
        }
      } else if (property[0] === 'rrule' && property[3] !== null && typeof property[3] === 'object') {
        expandRule(property[3] as Record<string, unknown>, start.wall, fromOffset, lastWall, add, budget);
      }
    }
  }
  // Sorted by instant; an onset repeated by RRULE and RDATE is kept once.
  transitions.sort((a, b) => a.instant - b.instant);
  const initial = before ?? 0;
  const offsetAt = (instant: number): number => {
    let low = 0;
    let high = transitions.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((transitions[mid] as Transition).instant <= instant) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found === -1 ? initial : (transitions[found] as Transition).offset;
  };
  return converterFromOffsets(tzid, offsetAt);
}

/** Adds the onsets of one observance's RRULE (after DTSTART, which is added already) up to `lastWall`. */
function expandRule(
  data: Record<string, unknown>,
  startWall: number,
  fromOffset: number,
  lastWall: number,
  add: (wall: number) => void,
  budget: FeedBudget,
): void {
  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromData({ ...data, until: undefined });
  } catch {
    return;
  }
  const until = parseDateValue(data.until, undefined);
  let limit = lastWall;
  if (until !== null) limit = Math.min(limit, until.utc ? until.wall + fromOffset : until.wall);
  if (limit < startWall) return;
  recur.until = timeFromWall(limit, false);
  let iterator: ICAL.RecurIterator;
  try {
    iterator = recur.iterator(timeFromWall(startWall, false));
  } catch {
    return;
  }
  for (;;) {
    budget.step();
    let time: ICAL.Time | null;
    try {
      time = iterator.next();
    } catch {
      return;
    }
    if (time === null) return;
    const wall = wallFromTime(time);
    if (wall > limit) return;
    if (wall !== startWall) add(wall);
  }
}
