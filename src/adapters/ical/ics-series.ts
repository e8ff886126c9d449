import ICAL from 'ical.js';
import { overlaps } from '../../domain/occurrence.js';
import type { FeedBudget } from './ics-budget.js';
import { IcsReadError } from './ics-errors.js';
import { type DateValue, type EventRecord, type JCalProperty, parseDateValue } from './ics-event.js';
import { makeOccurrence, type ReadContext } from './ics-occurrence.js';
import { type EventLength, endOf, eventLength, instantOf, zoneOf } from './ics-timing.js';
import { TIME, timeFromWall, type WallTime, wallFromTime, type ZoneConverter } from './ics-zones.js';

interface Instance {
  readonly wall: WallTime;
  readonly instant: number;
  /** An RDATE PERIOD's own end. */
  readonly end: number | null;
}

const PERIOD_MS: Record<string, number> = {
  SECONDLY: 1000,
  MINUTELY: TIME.MINUTE,
  HOURLY: TIME.HOUR,
  DAILY: TIME.DAY,
  WEEKLY: 7 * TIME.DAY,
};

/** Rule parts that are shift-invariant under whole periods (so the start may jump ahead). */
const JUMPABLE_PARTS = new Set([
  'BYSECOND',
  'BYMINUTE',
  'BYHOUR',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'BYSETPOS',
]);

/** Slack for the difference between wall-time and instant arithmetic around a DST change. */
const SLACK = 3 * TIME.HOUR;

/**
 * Where iteration may start instead of DTSTART. ical.js always iterates from DTSTART, so a
 * daily series from 1601 costs 155,000 steps before it reaches this year. For SECONDLY to
 * WEEKLY rules without COUNT, the set of instances is the same when the start moves by whole
 * periods (INTERVAL × unit, WKST alignment included), so the start jumps to just before the
 * window. ical.js reports the start itself as an instance even when the rule would not, so
 * the jump lands at least one period plus the event's length before the window.
 */
function jumpStart(
  recur: ICAL.Recur,
  startWall: WallTime,
  windowFromWall: WallTime,
  lengthMs: number,
): WallTime {
  if (recur.count) return startWall;
  const unit = PERIOD_MS[recur.freq];
  if (unit === undefined) return startWall;
  for (const part of Object.keys(recur.parts)) {
    if (!JUMPABLE_PARTS.has(part)) return startWall;
  }
  const period = unit * (recur.interval || 1);
  const periods = Math.floor((windowFromWall - lengthMs - SLACK - startWall) / period) - 1;
  return periods > 0 ? startWall + periods * period : startWall;
}

/** UNTIL as wall time in the series' zone (UTC values converted; a date ends at the end of its day). */
function untilWall(value: unknown, zone: ZoneConverter, seriesIsDate: boolean): WallTime | null {
  const until = parseDateValue(value, undefined);
  if (until === null) return null;
  if (until.utc) return zone.toWall(until.wall);
  if (until.isDate && !seriesIsDate) return until.wall + TIME.DAY - 1000;
  return until.wall;
}

type Iterator = ICAL.RecurIterator & { check_contracting_rules(): boolean };

/** Runs one RRULE, adding its instances near the window; every candidate costs one step. */
async function runRule(
  context: ReadContext,
  rawRule: Record<string, unknown>,
  start: DateValue,
  zone: ZoneConverter,
  lengthMs: number,
  add: (instance: Instance) => void,
): Promise<void> {
  const { budget, window } = context;
  const fromWall = zone.toWall(window.from);
  const toWall = zone.toWall(window.to) + SLACK;
  // COUNT=-1 next to UNTIL is seen in the wild: peers ignore a COUNT that is not positive.
  const ruleData =
    rawRule.count !== undefined && !(Number(rawRule.count) > 0) ? { ...rawRule, count: undefined } : rawRule;
  let recur: ICAL.Recur;
  try {
    recur = ICAL.Recur.fromData({ ...ruleData, until: undefined });
  } catch {
    context.warn('a recurrence rule cannot be read; the series shows its first instance only');
    return;
  }
  if (!(recur.freq in PERIOD_MS) && recur.freq !== 'MONTHLY' && recur.freq !== 'YEARLY') {
    context.warn('a recurrence rule has no valid FREQ; the series shows its first instance only');
    return;
  }
  // Nothing after the window is needed: UNTIL at the window's end bounds ical.js' own searches
  // (an impossible yearly rule otherwise searches up to the year 20000).
  const until = ruleData.until === undefined ? null : untilWall(ruleData.until, zone, start.isDate);
  const limit = Math.min(until ?? Number.POSITIVE_INFINITY, toWall);
  if (limit < start.wall) return;
  if (needsFullEngine(recur, start.wall)) {
    const engine = await fullEngine();
    for (const wall of fullEngineInstances(engine, recur, start, limit, budget)) {
      if (wall >= toWall) break;
      if (wall + lengthMs + SLACK > fromWall) add({ wall, instant: zone.toInstant(wall), end: null });
    }
    return;
  }
  recur.until = timeFromWall(limit, start.isDate);
  const first = jumpStart(recur, start.wall, fromWall, lengthMs);
  let iterator: Iterator;
  try {
    iterator = recur.iterator(timeFromWall(first, start.isDate)) as Iterator;
  } catch (error) {
    if (error instanceof Error && error.name === 'InvalidRecurrenceRuleError') return;
    throw new IcsReadError('format', 'a recurrence rule cannot be expanded');
  }
  const contracting = iterator.check_contracting_rules;
  iterator.check_contracting_rules = function countedCheck(this: Iterator) {
    budget.step();
    return contracting.call(this);
  };
  for (;;) {
    budget.step();
    let time: ICAL.Time | null;
    try {
      time = iterator.next();
    } catch (error) {
      if (error instanceof IcsReadError) throw error;
      throw new IcsReadError('format', 'a recurrence rule cannot be expanded');
    }
    if (time === null) break;
    const wall = wallFromTime(time);
    if (wall >= toWall) break;
    if (wall + lengthMs + SLACK > fromWall) add({ wall, instant: zone.toInstant(wall), end: null });
    if (budget.shouldYield()) await budget.yieldNow();
  }
}

/**
 * The rule shapes ical.js 2.2 expands wrongly, measured against RFC 5545 §3.8.5.3's own
 * examples and the issue's cases: a YEARLY BYDAY with an ordinal and no BYMONTH (20MO gives
 * every Monday), any BYWEEKNO, YEARLY with BYHOUR/BYMINUTE/BYSECOND (only the first value),
 * MONTHLY with COUNT and a BYMONTH month before DTSTART's (one occurrence too few). These go to
 * rrule-temporal, which reads all of them right; the rest stays on ical.js, which is about
 * four times faster per series near the window (bench/ics/rrule-eval.ts).
 */
function needsFullEngine(recur: ICAL.Recur, startWall: WallTime): boolean {
  const parts = recur.parts as Record<string, unknown[] | undefined>;
  if (parts.BYWEEKNO !== undefined) return true;
  if (recur.freq === 'YEARLY') {
    if (parts.BYHOUR !== undefined || parts.BYMINUTE !== undefined || parts.BYSECOND !== undefined)
      return true;
    const ordinal = (parts.BYDAY ?? []).some((day) => /^[+-]?\d/.test(String(day)));
    if (ordinal && parts.BYMONTH === undefined) return true;
  }
  if (recur.freq === 'MONTHLY' && recur.count && parts.BYMONTH !== undefined) {
    const month = new Date(startWall).getUTCMonth() + 1;
    if (parts.BYMONTH.some((value) => Number(value) < month)) return true;
  }
  return false;
}

function basicFormat(wall: WallTime): string {
  return new Date(wall)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Expands a rule with rrule-temporal, in wall time (the rule runs on UTC-as-wall, so DST never
 * shifts it), up to `limit`. Every instance it computes costs one step; the library's own
 * iteration cap is the feed's remaining step budget.
 */
type Engine = typeof import('rrule-temporal').RRuleTemporal;
let loaded: Promise<Engine> | null = null;

/** rrule-temporal and its Temporal polyfill, loaded the first time a feed needs them (most never do). */
function fullEngine(): Promise<Engine> {
  loaded ??= import('rrule-temporal').then((module) => module.RRuleTemporal);
  return loaded;
}

function fullEngineInstances(
  RRuleTemporal: Engine,
  recur: ICAL.Recur,
  start: DateValue,
  limit: WallTime,
  budget: FeedBudget,
): WallTime[] {
  recur.until = null;
  const rule = `${recur.toString()};UNTIL=${basicFormat(limit)}`;
  let dates: { epochMilliseconds: number }[];
  try {
    const engine = new RRuleTemporal({
      rruleString: `DTSTART:${basicFormat(start.wall)}\nRRULE:${rule}`,
      maxIterations: Math.max(1, budget.stepsLeft),
    });
    dates = engine.all();
  } catch (error) {
    if (error instanceof Error && /Maximum iterations/.test(error.message)) budget.exhaust();
    throw new IcsReadError('format', 'a recurrence rule cannot be expanded');
  }
  for (let index = 0; index < dates.length; index++) budget.step();
  return dates.map((date) => date.epochMilliseconds);
}

const MAX_PERIOD_MS = 36_525 * TIME.DAY;

/** RDATE values: dates, date-times and periods, each in its own zone. */
function rdateInstances(context: ReadContext, property: JCalProperty, zone: ZoneConverter): Instance[] {
  const tzid = typeof property[1].tzid === 'string' ? property[1].tzid : undefined;
  const instances: Instance[] = [];
  for (const value of property.slice(3)) {
    if (Array.isArray(value)) {
      const from = parseDateValue(value[0], tzid);
      if (from === null) continue;
      const instant = instantOf(from, context.resolver);
      const endValue = parseDateValue(value[1], tzid);
      let end: number | null = null;
      if (endValue !== null) end = instantOf(endValue, context.resolver);
      else if (typeof value[1] === 'string') {
        try {
          end = instant + ICAL.Duration.fromString(value[1]).toSeconds() * 1000;
        } catch {
          end = null;
        }
      }
      // A period past Date's range (or before its start) would end the run with "Invalid time value".
      if (end !== null && !(end >= instant && end - instant <= MAX_PERIOD_MS)) {
        throw new IcsReadError(
          'format',
          'an RDATE period that ends before it starts or lasts over 100 years',
        );
      }
      instances.push({ wall: zone.toWall(instant), instant, end });
    } else {
      const date = parseDateValue(value, tzid);
      if (date === null) continue;
      const instant = instantOf(date, context.resolver);
      instances.push({ wall: zone.toWall(instant), instant, end: null });
    }
  }
  return instances;
}

/** Date keys (days since the epoch in wall time) for DATE values that match any time that day. */
function dayKey(wall: WallTime): number {
  return Math.floor(wall / TIME.DAY);
}

/**
 * Expands one recurring series into the window: DTSTART, RRULEs and RDATEs, minus EXDATEs,
 * with RECURRENCE-ID overrides (moved or cancelled instances, RANGE=THISANDFUTURE) from
 * `exceptions`, which the reader grouped by UID beforehand (one pass over the feed, not one
 * per series). Instances and exceptions match by instant, so a RECURRENCE-ID written in UTC
 * matches a series written in a zone.
 */
export async function expandSeries(
  context: ReadContext,
  uid: string,
  master: EventRecord,
  start: DateValue,
  exceptions: readonly EventRecord[],
): Promise<void> {
  const { resolver, window, budget } = context;
  const zone = zoneOf(start, resolver);
  const length = eventLength(master, start, resolver);
  if (length === null) throw new IcsReadError('format', 'a recurring event has an invalid DURATION');
  const lengthMs = length.nominalDays * TIME.DAY + length.exactMs;
  const earliest = window.from - lengthMs - SLACK;
  const instances = new Map<number, Instance>();
  // Instances an EXDATE or an exception may still remove do not count against the cap yet.
  const removable =
    exceptions.length + master.exdates.reduce((sum, property) => sum + property.length - 3, 0);
  const add = (instance: Instance) => {
    if (instance.instant < earliest || instance.instant >= window.to) return;
    instances.set(instance.instant, instance);
    if (instances.size > removable) budget.checkSeriesOccurrences(instances.size - removable);
  };
  // DTSTART is always an instance; far from the window (by wall time) it needs no conversion.
  if (start.wall + lengthMs + TIME.DAY > window.from && start.wall - TIME.DAY < window.to) {
    add({ wall: start.wall, instant: zone.toInstant(start.wall), end: null });
  }
  for (const rule of master.rrules) await runRule(context, rule, start, zone, lengthMs, add);
  for (const property of master.rdates)
    for (const instance of rdateInstances(context, property, zone)) add(instance);

  // An EXDATE or RECURRENCE-ID names an instance by instant, by its wall time as written (a
  // floating or unknown-zone value, which some exporters write beside a zoned series),
  // or by day (a DATE on a timed series, a DATE-TIME on an all-day one, as Outlook and Exchange
  // write for moved all-day instances).
  const localDay = (value: DateValue) =>
    dayKey(value.utc ? (start.isDate ? resolver.fallback : zone).toWall(value.wall) : value.wall);
  const byDay = (value: DateValue) => value.isDate !== start.isDate;
  // Wall time only where the value's own zone says nothing reliable: floating, or an unknown TZID.
  const zoneless = (value: DateValue) =>
    !value.utc && (value.tzid === undefined || resolver.isUnknown(value.tzid));
  const excluded = new Set<number>();
  const excludedWalls = new Set<number>();
  const excludedDays = new Set<number>();
  for (const property of master.exdates) {
    const tzid = typeof property[1].tzid === 'string' ? property[1].tzid : undefined;
    for (const value of property.slice(3)) {
      const date = parseDateValue(value, tzid);
      if (date === null) continue;
      if (byDay(date)) excludedDays.add(localDay(date));
      else {
        excluded.add(instantOf(date, resolver));
        if (zoneless(date)) excludedWalls.add(date.wall);
      }
    }
  }
  const isExcluded = (rid: DateValue, ridInstant: number) =>
    excludedDays.has(localDay(rid)) ||
    (!byDay(rid) && (excluded.has(ridInstant) || (zoneless(rid) && excludedWalls.has(rid.wall))));

  const overridden = new Set<number>();
  const overriddenWalls = new Set<number>();
  const overriddenDays = new Set<number>();
  const ranges: { rid: number; ridWall: WallTime; record: EventRecord }[] = [];
  // Exceptions far from the window (by wall time, with room for any offset) can neither move
  // an instance out of it nor land in it; a THISANDFUTURE one still shifts the instances after it.
  const nearWindow = (wall: WallTime) =>
    wall > window.from - lengthMs - TIME.DAY * 2 && wall < window.to + TIME.DAY * 2;
  const ownSpanNearWindow = (exception: EventRecord): boolean => {
    const own = exception.dtstart;
    if (own === null) return false;
    if (own.wall >= window.to + TIME.DAY * 2) return false;
    if (exception.duration !== null) return true;
    const endWall = exception.dtend?.wall ?? own.wall + lengthMs;
    return endWall > window.from - TIME.DAY * 2;
  };
  const relevant = exceptions.filter(
    (exception) =>
      exception.thisAndFuture ||
      nearWindow((exception.recurrenceId as DateValue).wall) ||
      ownSpanNearWindow(exception),
  );
  for (const exception of relevant) {
    const rid = exception.recurrenceId as DateValue;
    if (byDay(rid)) overriddenDays.add(localDay(rid));
    else {
      const ridInstant = instantOf(rid, resolver);
      overridden.add(ridInstant);
      if (zoneless(rid)) overriddenWalls.add(rid.wall);
      if (exception.thisAndFuture) {
        ranges.push({ rid: ridInstant, ridWall: zone.toWall(ridInstant), record: exception });
      }
    }
  }
  ranges.sort((a, b) => a.rid - b.rid);

  let count = 0;
  const emit = (
    recurrenceId: number,
    from: number,
    to: number,
    props: EventRecord,
    allDay = start.isDate,
  ) => {
    if (!overlaps({ start: from, end: to }, window)) return;
    budget.checkSeriesOccurrences(++count);
    context.emit(makeOccurrence(context, uid, recurrenceId, from, to, allDay, props, master));
  };

  const sorted = [...instances.values()].sort((a, b) => a.instant - b.instant);
  for (const instance of sorted) {
    const day = dayKey(instance.wall);
    if (overridden.has(instance.instant) || overriddenWalls.has(instance.wall) || overriddenDays.has(day))
      continue;
    if (excluded.has(instance.instant) || excludedWalls.has(instance.wall) || excludedDays.has(day)) continue;
    const range = latestRange(ranges, instance.instant);
    if (range === null) {
      const end = instance.end ?? endOf(instance.wall, instance.instant, length, zone);
      emit(instance.instant, instance.instant, end, master);
      continue;
    }
    // RANGE=THISANDFUTURE: this and later instances move as the exception moved its own, and
    // take its length and properties.
    const moved = range.record.dtstart;
    const shift = moved === null ? 0 : zone.toWall(instantOf(moved, resolver)) - range.ridWall;
    const wall = instance.wall + shift;
    const from = zone.toInstant(wall);
    const rangeLength =
      moved !== null && (range.record.dtend !== null || range.record.duration !== null)
        ? (eventLength(range.record, moved, resolver) ?? length)
        : length;
    emit(instance.instant, from, endOf(wall, from, rangeLength, zone), range.record);
  }

  for (const exception of relevant) {
    const rid = exception.recurrenceId as DateValue;
    const ridInstant = instantOf(rid, resolver);
    // RFC 5545: EXDATE wins over everything that would add the instance, its override included.
    if (isExcluded(rid, ridInstant)) continue;
    // The instance it replaces: on an all-day series, that day's local midnight.
    let replaces = ridInstant;
    if (byDay(rid) && start.isDate) replaces = zone.toInstant(localDay(rid) * TIME.DAY);
    else if (zoneless(rid) && !instances.has(ridInstant) && instances.has(zone.toInstant(rid.wall)))
      replaces = zone.toInstant(rid.wall);
    const own = exception.dtstart ?? rid;
    const ownZone = zoneOf(own, resolver);
    const from = ownZone.toInstant(own.wall);
    const ownLength: EventLength =
      exception.dtend !== null || exception.duration !== null
        ? (eventLength(exception, own, resolver) ?? length)
        : length;
    emit(replaces, from, endOf(own.wall, from, ownLength, ownZone), exception, own.isDate);
  }
}

function latestRange<T extends { rid: number }>(ranges: readonly T[], instant: number): T | null {
  let found: T | null = null;
  for (const range of ranges) {
    if (range.rid > instant) break;
    found = range;
  }
  return found;
}
