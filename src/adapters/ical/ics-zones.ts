import ICAL from 'ical.js';
import { IANAZone } from 'luxon';
import { findIana } from 'windows-iana';
import type { TimeSpan } from '../../domain/occurrence.js';
import type { FeedBudget } from './ics-budget.js';
import type { JCalComponent } from './ics-event.js';
import { vtimezoneZone } from './ics-vtimezone.js';

/**
 * Local wall-clock time as milliseconds, read as if it were UTC ("2026-03-29T02:30" →
 * Date.UTC(2026, 2, 29, 2, 30)). Recurrence rules work on wall time; a zone turns it into an
 * Instant. Keeping the two apart is what makes "08:00 every Monday" stay 08:00 across DST.
 */
export type WallTime = number;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Converts between wall time in one zone and instants. */
export interface ZoneConverter {
  /** The zone's name as hanvisa resolved it (IANA name, "UTC", or the file's TZID). */
  readonly name: string;
  /**
   * The instant of a wall time. RFC 5545 §3.3.5: a time that occurs twice (the autumn change)
   * means its first occurrence; a time that does not exist (the spring gap) is read with the
   * offset from before the gap.
   */
  toInstant(wall: WallTime): number;
  /** The wall time of an instant. */
  toWall(instant: number): WallTime;
}

export const UTC_ZONE: ZoneConverter = {
  name: 'UTC',
  toInstant: (wall) => wall,
  toWall: (instant) => instant,
};

/**
 * Wall/instant conversion driven by an offset function (offset in ms at an instant). The
 * offsets come from the zone's data (Luxon/Intl or the file's VTIMEZONE); this only chooses
 * between the candidates the way RFC 5545 asks.
 */
export function converterFromOffsets(name: string, offsetAt: (instant: number) => number): ZoneConverter {
  return {
    name,
    toWall: (instant) => instant + offsetAt(instant),
    toInstant(wall) {
      const before = offsetAt(wall - DAY);
      const after = offsetAt(wall + DAY);
      const first = wall - before;
      const firstValid = offsetAt(first) === before;
      if (before === after) {
        if (firstValid) return first;
      } else {
        const second = wall - after;
        const secondValid = offsetAt(second) === after;
        if (firstValid && secondValid) return Math.min(first, second);
        if (firstValid) return first;
        if (secondValid) return second;
        // In the gap: the offset from before the gap.
        return first;
      }
      // A zone whose offset changes more than once within two days; fall back to a direct search.
      const guess = wall - offsetAt(wall);
      return wall - offsetAt(guess);
    },
  };
}

/**
 * An IANA zone whose offsets come from Luxon (Intl), cached per UTC day: Intl lookups cost
 * ~12 µs each, and a feed converts many instants on the same few days. A day whose offset
 * differs at its two ends holds a transition, which is found to the minute by bisection.
 */
function ianaConverter(name: string): ZoneConverter {
  const zone = IANAZone.create(name);
  const days = new Map<number, { start: number; change: number; after: number }>();
  const offsetAt = (instant: number): number => {
    const day = Math.floor(instant / DAY);
    let entry = days.get(day);
    if (entry === undefined) {
      const dayStart = day * DAY;
      const start = zone.offset(dayStart) * MINUTE;
      const after = zone.offset(dayStart + DAY - MINUTE) * MINUTE;
      let change = dayStart + DAY;
      if (start !== after) {
        let low = dayStart;
        let high = dayStart + DAY - MINUTE;
        while (high - low > MINUTE) {
          const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
          if (zone.offset(mid) * MINUTE === start) low = mid;
          else high = mid;
        }
        change = high;
      }
      entry = { start, change, after };
      if (days.size > 20_000) days.clear();
      days.set(day, entry);
    }
    return instant < entry.change ? entry.start : entry.after;
  };
  return converterFromOffsets(name, offsetAt);
}

const ianaCache = new Map<string, ZoneConverter>();

/** The converter of an IANA zone (cached; offsets are pure zone data). */
export function ianaZone(name: string): ZoneConverter {
  let converter = ianaCache.get(name);
  if (converter === undefined) {
    converter = ianaConverter(name);
    ianaCache.set(name, converter);
  }
  return converter;
}

/** Wall time of an ical.js Time's fields (its zone ignored). */
export function wallFromTime(time: ICAL.Time): WallTime {
  return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
}

/** A floating ical.js Time for a wall time (recurrence iteration runs on floating times). */
export function timeFromWall(wall: WallTime, isDate: boolean): ICAL.Time {
  const date = new Date(wall);
  return ICAL.Time.fromData({
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: isDate ? 0 : date.getUTCHours(),
    minute: isDate ? 0 : date.getUTCMinutes(),
    second: isDate ? 0 : date.getUTCSeconds(),
    isDate,
  });
}

const validZones = new Map<string, boolean>();

/** Luxon's check builds an Intl.DateTimeFormat (~1 ms); names are checked once per process. */
function isValidZone(name: string): boolean {
  let valid = validZones.get(name);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name);
    if (validZones.size < 1_000) validZones.set(name, valid);
  }
  return valid;
}

const IANA_NAME = /^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+$/;

const resolvedNames = new Map<string, string>();

/** True when `name` is an IANA zone written as the tz database writes it (case included). */
function isExactIana(name: string): boolean {
  if (!isValidZone(name)) return false;
  let resolved = resolvedNames.get(name);
  if (resolved === undefined) {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    if (resolvedNames.size < 1_000) resolvedNames.set(name, resolved);
  }
  // A link (US/Eastern → America/New_York) is exact too; only a difference of case is not.
  return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
}

/**
 * Windows display names as Outlook writes them into TZID ("(UTC-05:00) Eastern Time (US &
 * Canada)"): the ones without a city, mapped to their Windows zone id. Names that list cities
 * ("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna") are resolved by their cities.
 */
const DISPLAY_NAMES: Record<string, string> = {
  'eastern time (us & canada)': 'Eastern Standard Time',
  'eastern time (us and canada)': 'Eastern Standard Time',
  'central time (us & canada)': 'Central Standard Time',
  'central time (us and canada)': 'Central Standard Time',
  'mountain time (us & canada)': 'Mountain Standard Time',
  'mountain time (us and canada)': 'Mountain Standard Time',
  'pacific time (us & canada)': 'Pacific Standard Time',
  'pacific time (us and canada)': 'Pacific Standard Time',
  'atlantic time (canada)': 'Atlantic Standard Time',
  alaska: 'Alaskan Standard Time',
  hawaii: 'Hawaiian Standard Time',
  arizona: 'US Mountain Standard Time',
  'coordinated universal time': 'UTC',
};

let cityZones: Map<string, string> | null = null;

/** IANA zones by their city ("stockholm" → Europe/Stockholm), built once from Intl's list. */
function zoneOfCity(city: string): string | undefined {
  if (cityZones === null) {
    cityZones = new Map();
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const name = zone.split('/').pop()?.replace(/_/g, ' ').toLowerCase();
      if (name !== undefined && !cityZones.has(name)) cityZones.set(name, zone);
    }
  }
  return cityZones.get(city.trim().toLowerCase());
}

/** The IANA zone of a Windows display name, or undefined. */
function displayNameZone(tzid: string): string | undefined {
  const match = /^\(UTC(?:[+-]\d{1,2}:\d{2})?\)\s*(.+)$/i.exec(tzid);
  if (match === null) return undefined;
  const rest = (match[1] as string).trim();
  const windows = DISPLAY_NAMES[rest.toLowerCase()];
  if (windows !== undefined) return windows === 'UTC' ? 'UTC' : findIana(windows)[0];
  for (const city of rest.split(',')) {
    const zone = zoneOfCity(city);
    if (zone !== undefined) return zone;
  }
  return undefined;
}

/**
 * Resolves the TZIDs of one feed. Order: UTC; an IANA name as the tz database writes it, or a
 * Windows zone id (Exchange) through the CLDR mapping; the feed's own VTIMEZONE of exactly
 * that TZID (so a feed defining its own "Europe/lisbon" is read by its definition, not the
 * real Lisbon); an IANA name in another case; a Windows display name ("(UTC+01:00) Amsterdam,
 * Berlin…"); an IANA name at the end of a vendor TZID ("/mozilla.org/…/Europe/Berlin");
 * otherwise the configured zone, with one warning per TZID.
 *
 * The feed's VTIMEZONEs are expanded only when a TZID needs one, up to a year past `horizon`,
 * within the zone budgets of `budget`.
 */
export class ZoneResolver {
  private readonly cache = new Map<string, ZoneConverter>();
  private readonly unknown = new Set<string>();
  readonly fallback: ZoneConverter;
  private readonly vtimezones: ReadonlyMap<string, JCalComponent>;
  private readonly warn: (message: string) => void;
  private readonly horizon: TimeSpan;
  private readonly budget: FeedBudget;

  constructor(
    timeZone: string,
    vtimezones: ReadonlyMap<string, JCalComponent>,
    warn: (message: string) => void,
    horizon: TimeSpan,
    budget: FeedBudget,
  ) {
    this.fallback = ianaZone(timeZone);
    this.vtimezones = vtimezones;
    this.warn = warn;
    this.horizon = horizon;
    this.budget = budget;
  }

  /** True when a TZID could not be resolved and is read in the configured zone instead. */
  isUnknown(tzid: string): boolean {
    return this.unknown.has(tzid);
  }

  /** The zone of a TZID parameter; undefined (floating) means the configured zone. */
  resolve(tzid: string | undefined): ZoneConverter {
    if (tzid === undefined || tzid === '') return this.fallback;
    let zone = this.cache.get(tzid);
    if (zone === undefined) {
      zone = this.lookup(tzid);
      this.cache.set(tzid, zone);
    }
    return zone;
  }

  private lookup(rawTzid: string): ZoneConverter {
    const tzid = rawTzid.replace(/^"+|"+$/g, '').trim();
    if (/^(utc|gmt|z|etc\/utc|etc\/gmt)$/i.test(tzid)) return UTC_ZONE;
    if (isExactIana(tzid)) return ianaZone(tzid);
    const windows = findIana(tzid)[0];
    if (windows !== undefined && isValidZone(windows)) return ianaZone(windows);
    const component = this.vtimezones.get(rawTzid) ?? this.vtimezones.get(tzid);
    if (component !== undefined) return vtimezoneZone(tzid, component, this.horizon, this.budget);
    if (isValidZone(tzid)) return ianaZone(tzid);
    const display = displayNameZone(tzid);
    if (display === 'UTC') return UTC_ZONE;
    if (display !== undefined && isValidZone(display)) return ianaZone(display);
    const segments = tzid.split('/');
    for (const count of [3, 2]) {
      const suffix = segments.slice(-count).join('/');
      if (segments.length > count && IANA_NAME.test(suffix) && isValidZone(suffix)) return ianaZone(suffix);
    }
    this.unknown.add(rawTzid);
    this.warn(`unknown time zone "${tzid.slice(0, 80)}": read in ${this.fallback.name} instead`);
    return this.fallback;
  }
}

export const TIME = { MINUTE, HOUR, DAY } as const;
