import { DateTime, IANAZone } from 'luxon';
import { findIana } from 'windows-iana';
import type { Instant, Occurrence, ShowAs } from '../../domain/occurrence.js';
import { SHOW_AS_VALUES } from '../../domain/occurrence.js';

/** Graph's dateTimeTimeZone: a wall-clock time and the zone it is in (UTC when we asked for it with Prefer). */
export interface GraphDateTime {
  readonly dateTime: string;
  readonly timeZone?: string;
}

/** The fields of a Graph event (or delta item) hanvisa reads; delta items for occurrences carry only a few. */
export interface GraphEvent {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  readonly seriesMasterId?: string | null;
  readonly originalStart?: string | null;
  readonly originalStartTimeZone?: string | null;
  readonly start?: GraphDateTime;
  readonly end?: GraphDateTime;
  readonly isAllDay?: boolean;
  readonly subject?: string | null;
  readonly sensitivity?: string;
  readonly showAs?: string;
  readonly isCancelled?: boolean;
  readonly createdDateTime?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly isOrganizer?: boolean;
  readonly changeKey?: string;
}

/** The series fields an occurrence borrows from its master. */
export type MasterFields = Pick<
  GraphEvent,
  | 'subject'
  | 'sensitivity'
  | 'showAs'
  | 'isAllDay'
  | 'isCancelled'
  | 'createdDateTime'
  | 'lastModifiedDateTime'
  | 'isOrganizer'
  | 'originalStartTimeZone'
  | 'changeKey'
>;

/** `$select` for a series master: just what an occurrence borrows. */
export const MASTER_SELECT =
  'id,subject,sensitivity,showAs,isAllDay,isCancelled,createdDateTime,lastModifiedDateTime,isOrganizer,originalStartTimeZone,changeKey,type';

/** The changeKey in an `@odata.etag` (`W/"…"`), or null. */
export function etagChangeKey(etag: string | undefined): string | null {
  if (etag === undefined) return null;
  const match = /^(?:W\/)?"(.*)"$/.exec(etag.trim());
  return match?.[1] ?? null;
}

/** True when a delta item lacks the fields it must borrow from its series master. */
export function needsMaster(item: GraphEvent): boolean {
  return (
    (item.type === 'occurrence' || item.type === 'exception') &&
    typeof item.seriesMasterId === 'string' &&
    item.subject === undefined
  );
}

/** An IANA zone for a Graph zone name (Windows names such as "W. Europe Standard Time", or IANA), or null. */
export function ianaZone(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name === '') return null;
  if (name === 'UTC' || name === 'tzone://Microsoft/Utc') return 'UTC';
  if (IANAZone.isValidZone(name)) return name;
  try {
    const candidates = findIana(name);
    return candidates[0] ?? null;
  } catch {
    return null;
  }
}

/** A Graph dateTimeTimeZone as an instant. */
export function graphInstant(value: GraphDateTime): Instant | null {
  const zone = ianaZone(value.timeZone ?? 'UTC') ?? 'UTC';
  // The common case (we ask for UTC): a plain UTC timestamp, read without Luxon (60,000 events a cycle).
  if (zone === 'UTC' && WALL_TIME.test(value.dateTime)) return Date.parse(`${value.dateTime.slice(0, 23)}Z`);
  const parsed = DateTime.fromISO(value.dateTime, { zone });
  return parsed.isValid ? parsed.toMillis() : null;
}

const WALL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function instantOf(text: string | null | undefined): Instant | null {
  if (text === null || text === undefined) return null;
  if (INSTANT.test(text)) return Date.parse(text);
  const parsed = DateTime.fromISO(text, { zone: 'UTC' });
  return parsed.isValid ? parsed.toMillis() : null;
}

/**
 * The calendar date an all-day boundary stands for. Graph keeps all-day events at midnight of
 * their own zone; asked for UTC it may give that midnight as is (floating) or converted. A UTC
 * midnight is taken as the date; otherwise the instant is read in the event's own zone and
 * rounded to the nearest midnight there.
 */
function allDayDate(instant: Instant, eventZone: string | null): string {
  const utc = DateTime.fromMillis(instant, { zone: 'UTC' });
  if (utc.hour === 0 && utc.minute === 0 && utc.second === 0) return utc.toISODate() as string;
  const local = DateTime.fromMillis(instant, { zone: eventZone ?? 'UTC' });
  return local.plus({ hours: 12 }).startOf('day').toISODate() as string;
}

/** Local midnight of `date` in `timeZone`, through Luxon (DST days are 23 or 25 hours long). */
function localMidnight(date: string, timeZone: string): Instant {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toMillis();
}

function showAsOf(value: string | undefined): ShowAs {
  return (SHOW_AS_VALUES as readonly string[]).includes(value ?? '') ? (value as ShowAs) : 'unknown';
}

/**
 * One Graph event (an instance from calendarView, joined with its series master when it is a
 * bare occurrence) as an Occurrence. `uid` is the series master's id for every instance of a
 * series (the event's own id for single events) and `recurrenceId` the instance's original
 * start, so a moved exception keeps its identity. All-day events become local midnight to local
 * midnight in the configured zone. Null when the item has no usable start or end.
 */
export function toOccurrence(
  item: GraphEvent,
  master: MasterFields | null,
  timeZone: string,
): Occurrence | null {
  const pick = <K extends keyof MasterFields>(key: K): MasterFields[K] | undefined =>
    item[key] !== undefined ? item[key] : master?.[key];
  if (item.start === undefined || item.end === undefined) return null;
  let start = graphInstant(item.start);
  let end = graphInstant(item.end);
  if (start === null || end === null) return null;
  const allDay = pick('isAllDay') === true;
  if (allDay) {
    const eventZone = ianaZone(pick('originalStartTimeZone'));
    start = localMidnight(allDayDate(start, eventZone), timeZone);
    end = localMidnight(allDayDate(end, eventZone), timeZone);
    if (end <= start) end = DateTime.fromMillis(start, { zone: timeZone }).plus({ days: 1 }).toMillis();
  }
  const inSeries =
    (item.type === 'occurrence' || item.type === 'exception') && typeof item.seriesMasterId === 'string';
  let recurrenceId: string | null = null;
  if (inSeries) {
    const original = instantOf(item.originalStart) ?? graphInstant(item.start);
    recurrenceId = original === null ? null : new Date(original).toISOString();
  }
  const sensitivity = pick('sensitivity');
  return {
    uid: inSeries ? (item.seriesMasterId as string) : item.id,
    recurrenceId,
    start,
    end,
    allDay,
    status: pick('isCancelled') === true ? 'cancelled' : 'confirmed',
    showAs: showAsOf(pick('showAs')),
    private: sensitivity === 'private' || sensitivity === 'confidential',
    createdAt: instantOf(pick('createdDateTime')),
    modifiedAt: instantOf(pick('lastModifiedDateTime')),
    organizerIsSelf: typeof pick('isOrganizer') === 'boolean' ? (pick('isOrganizer') as boolean) : null,
    subject: pick('subject') ?? '',
  };
}
