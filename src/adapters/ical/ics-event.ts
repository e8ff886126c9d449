import type { OccurrenceStatus, ShowAs } from '../../domain/occurrence.js';

/** A jCal property as ical.js parses it: [name, params, type, ...values]. */
export type JCalProperty = [string, Record<string, unknown>, string, ...unknown[]];
/** A jCal component: [name, properties, subcomponents]. */
export type JCalComponent = [string, JCalProperty[], JCalComponent[]];

/** A DATE or DATE-TIME value as written: its wall time, whether it is a date, UTC, and its TZID. */
export interface DateValue {
  readonly wall: number;
  readonly isDate: boolean;
  readonly utc: boolean;
  readonly tzid: string | undefined;
}

/**
 * The parts of one VEVENT hanvisa reads, taken from the jCal in one pass. Reading the jCal
 * arrays directly (instead of wrapping every event in ICAL.Component/ICAL.Event) is what keeps
 * the expand path within 1.5× of ICAL.parse on large feeds.
 */
export interface EventRecord {
  readonly uid: string | null;
  readonly dtstart: DateValue | null;
  readonly dtend: DateValue | null;
  readonly duration: string | null;
  readonly rrules: Record<string, unknown>[];
  readonly rdates: JCalProperty[];
  readonly exdates: JCalProperty[];
  readonly recurrenceId: DateValue | null;
  readonly thisAndFuture: boolean;
  readonly status: OccurrenceStatus;
  readonly showAs: ShowAs;
  readonly private: boolean;
  readonly created: number | null;
  readonly lastModified: number | null;
  /** The organizer's address, lower-case, without "mailto:"; null when the event has none. */
  readonly organizer: string | null;
  readonly hasAttendees: boolean;
  readonly summary: string;
  /** An invalid date value (the property name), so the reader can say which. */
  readonly invalid: string | null;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/;

/** Parses a jCal date or date-time string ("2026-03-29", "2026-03-29T08:00:00Z") into wall time. */
export function parseDateValue(value: unknown, tzid: string | undefined): DateValue | null {
  if (typeof value !== 'string') return null;
  const match = DATE_TIME.exec(value);
  if (match === null) return null;
  const isDate = match[4] === undefined;
  const wall = Date.UTC(
    Number(match[1]),
    Number(match[2]) - 1,
    Number(match[3]),
    isDate ? 0 : Number(match[4]),
    isDate ? 0 : Number(match[5]),
    isDate ? 0 : Number(match[6]),
  );
  if (Number.isNaN(wall)) return null;
  const utc = match[7] === 'Z';
  return { wall, isDate, utc, tzid: utc ? undefined : tzid };
}

function tzidOf(params: Record<string, unknown>): string | undefined {
  const tzid = params.tzid;
  if (typeof tzid === 'string') return tzid;
  if (Array.isArray(tzid) && typeof tzid[0] === 'string') return tzid[0];
  return undefined;
}

const BUSY_STATUS: Record<string, ShowAs> = {
  FREE: 'free',
  TENTATIVE: 'tentative',
  BUSY: 'busy',
  OOF: 'oof',
  WORKINGELSEWHERE: 'workingElsewhere',
};

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** Reads one VEVENT's jCal into an EventRecord. */
export function readEventRecord(vevent: JCalComponent): EventRecord {
  let uid: string | null = null;
  let dtstart: DateValue | null = null;
  let dtend: DateValue | null = null;
  let duration: string | null = null;
  const rrules: Record<string, unknown>[] = [];
  const rdates: JCalProperty[] = [];
  const exdates: JCalProperty[] = [];
  let recurrenceId: DateValue | null = null;
  let thisAndFuture = false;
  let status: OccurrenceStatus = 'confirmed';
  let transp: string | null = null;
  let busyStatus: ShowAs | null = null;
  let isPrivate = false;
  let created: number | null = null;
  let lastModified: number | null = null;
  let organizer: string | null = null;
  let hasAttendees = false;
  let summary = '';
  let invalid: string | null = null;
  const readDate = (property: JCalProperty): DateValue | null => {
    const value = parseDateValue(property[3], tzidOf(property[1]));
    if (value === null && invalid === null) invalid = property[0].toUpperCase();
    return value;
  };
  const readInstant = (property: JCalProperty): number | null => {
    const value = parseDateValue(property[3], undefined);
    // CREATED/LAST-MODIFIED/DTSTAMP must be UTC (RFC 5545); a floating value is read as UTC.
    return value === null ? null : value.wall;
  };
  for (const property of vevent[1]) {
    switch (property[0]) {
      case 'uid':
        uid = text(property[3]);
        break;
      case 'dtstart':
        dtstart = readDate(property);
        break;
      case 'dtend':
        dtend = readDate(property);
        break;
      case 'duration':
        duration = text(property[3]);
        break;
      case 'rrule':
        if (property[3] !== null && typeof property[3] === 'object')
          rrules.push(property[3] as Record<string, unknown>);
        break;
      case 'rdate':
        rdates.push(property);
        break;
      case 'exdate':
        exdates.push(property);
        break;
      case 'recurrence-id':
        recurrenceId = readDate(property);
        thisAndFuture = text(property[1].range).toUpperCase() === 'THISANDFUTURE';
        break;
      case 'status': {
        const value = text(property[3]).toUpperCase();
        status = value === 'CANCELLED' ? 'cancelled' : value === 'TENTATIVE' ? 'tentative' : 'confirmed';
        break;
      }
      case 'transp':
        transp = text(property[3]).toUpperCase();
        break;
      case 'x-microsoft-cdo-busystatus':
        busyStatus = BUSY_STATUS[text(property[3]).toUpperCase()] ?? null;
        break;
      case 'class': {
        const value = text(property[3]).toUpperCase();
        isPrivate = value === 'PRIVATE' || value === 'CONFIDENTIAL';
        break;
      }
      case 'x-microsoft-cdo-sensitivity':
        // Outlook: 0 normal, 1 personal, 2 private, 3 confidential.
        if (text(property[3]) === '2' || text(property[3]) === '3') isPrivate = true;
        break;
      case 'created':
        created = readInstant(property);
        break;
      case 'last-modified':
        lastModified = readInstant(property);
        break;
      case 'organizer':
        organizer = text(property[3])
          .replace(/^mailto:/i, '')
          .trim()
          .toLowerCase();
        break;
      case 'attendee':
        hasAttendees = true;
        break;
      case 'summary':
        summary = text(property[3]);
        break;
    }
  }
  const showAs: ShowAs =
    busyStatus ?? (transp === 'TRANSPARENT' ? 'free' : status === 'tentative' ? 'tentative' : 'busy');
  return {
    uid,
    dtstart,
    dtend,
    duration,
    rrules,
    rdates,
    exdates,
    recurrenceId,
    thisAndFuture,
    status,
    showAs,
    private: isPrivate,
    created,
    lastModified,
    organizer: organizer === '' ? null : organizer,
    hasAttendees,
    summary,
    invalid,
  };
}

/**
 * Whether the calendar owner organised the event: a personal appointment (no organizer, no
 * attendees) is the owner's own; an organizer is compared with the owner's addresses when
 * they are known; otherwise it cannot be known.
 */
export function organizerIsSelf(record: EventRecord, ownerAddresses: ReadonlySet<string>): boolean | null {
  if (record.organizer === null) return record.hasAttendees ? null : true;
  if (ownerAddresses.size === 0) return null;
  return ownerAddresses.has(record.organizer);
}
