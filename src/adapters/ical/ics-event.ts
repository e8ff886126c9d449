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
  /** SEQUENCE (0 when absent): which of two copies of an event is newer. */
  readonly sequence: number;
  /** The organizer's address, lower-case, without "mailto:"; null when the event has none. */
  readonly organizer: string | null;
  readonly hasAttendees: boolean;
  readonly summary: string;
  /** An invalid date value (the property name), so the reader can say which. */
  readonly invalid: string | null;
}

/** The number written in value[from, to), or -1 when it is not all digits. */
function digits(value: string, from: number, to: number): number {
  let result = 0;
  for (let index = from; index < to; index++) {
    const digit = value.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    result = result * 10 + digit;
  }
  return result;
}

/** Days in a month of the Gregorian calendar: 20240230 is no date (never rolled into March). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses a jCal date or date-time string ("2026-03-29", "2026-03-29T08:00:00", with "Z" for
 * UTC) into wall time. Hand-rolled (no RegExp, no Date parsing): it runs for every event of
 * every feed.
 */
export function parseDateValue(value: unknown, tzid: string | undefined): DateValue | null {
  if (typeof value !== 'string') return null;
  const length = value.length;
  if (length !== 10 && length !== 13 && length !== 19 && length !== 20) return null;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return null;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  // "20261201" without VALUE=DATE: ical.js makes it a date-time "2026-12-01T::"; peers read a date.
  if (length === 10 || (length === 13 && value.endsWith('T::')))
    return { wall: Date.UTC(year, month - 1, day), isDate: true, utc: false, tzid: undefined };
  if (value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return null;
  const utc = length === 20;
  if (utc && value.charCodeAt(19) !== 90) return null;
  const hour = digits(value, 11, 13);
  const minute = digits(value, 14, 16);
  const second = digits(value, 17, 19);
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59 || second < 0 || second > 60) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  return { wall, isDate: false, utc, tzid: utc ? undefined : tzid };
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

/** CREATED/LAST-MODIFIED are UTC (RFC 5545); a floating value is read as UTC. */
function utcInstant(value: unknown): number | null {
  return parseDateValue(value, undefined)?.wall ?? null;
}

function address(value: unknown): string | null {
  if (value === null) return null;
  const result = text(value)
    .replace(/^mailto:/i, '')
    .trim()
    .toLowerCase();
  return result === '' ? null : result;
}

/**
 * One VEVENT read from its jCal in a single pass over its properties. A class (one hidden
 * class for every event) with the rarely needed parts (CREATED, LAST-MODIFIED, ORGANIZER)
 * read lazily: most events of a large feed are outside the window and only need their dates.
 */
const NONE: readonly never[] = Object.freeze([]);

class ParsedEvent implements EventRecord {
  uid: string | null = null;
  dtstart: DateValue | null = null;
  dtend: DateValue | null = null;
  duration: string | null = null;
  // Shared empty lists until the first value (most events have none).
  rrules: Record<string, unknown>[] = NONE as unknown as Record<string, unknown>[];
  rdates: JCalProperty[] = NONE as unknown as JCalProperty[];
  exdates: JCalProperty[] = NONE as unknown as JCalProperty[];
  recurrenceId: DateValue | null = null;
  thisAndFuture = false;
  status: OccurrenceStatus = 'confirmed';
  showAs: ShowAs = 'busy';
  private = false;
  sequence = 0;
  hasAttendees = false;
  summary = '';
  invalid: string | null = null;
  private createdText: unknown = null;
  private lastModifiedText: unknown = null;
  private organizerText: unknown = null;

  constructor(properties: readonly JCalProperty[]) {
    let transp: string | null = null;
    let busyStatus: ShowAs | null = null;
    for (const property of properties) {
      switch (property[0]) {
        case 'uid':
          this.uid = text(property[3]);
          break;
        case 'dtstart':
          this.dtstart = this.readDate(property);
          break;
        case 'dtend':
          this.dtend = this.readDate(property);
          break;
        case 'duration':
          this.duration = text(property[3]);
          break;
        case 'rrule':
          if (property[3] !== null && typeof property[3] === 'object') {
            this.rrules = [...this.rrules, property[3] as Record<string, unknown>];
          }
          break;
        case 'rdate':
          this.rdates = [...this.rdates, property];
          break;
        case 'exdate':
          this.exdates = [...this.exdates, property];
          break;
        case 'recurrence-id':
          this.recurrenceId = this.readDate(property);
          this.thisAndFuture = text(property[1].range).toUpperCase() === 'THISANDFUTURE';
          break;
        case 'status': {
          const value = text(property[3]).toUpperCase();
          this.status =
            value === 'CANCELLED' ? 'cancelled' : value === 'TENTATIVE' ? 'tentative' : 'confirmed';
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
          this.private = value === 'PRIVATE' || value === 'CONFIDENTIAL';
          break;
        }
        case 'x-microsoft-cdo-sensitivity':
          // Outlook: 0 normal, 1 personal, 2 private, 3 confidential.
          if (text(property[3]) === '2' || text(property[3]) === '3') this.private = true;
          break;
        case 'sequence':
          this.sequence = Number(property[3]) || 0;
          break;
        case 'created':
          this.createdText = property[3];
          break;
        case 'last-modified':
          this.lastModifiedText = property[3];
          break;
        case 'organizer':
          this.organizerText = property[3];
          break;
        case 'attendee':
          this.hasAttendees = true;
          break;
        case 'summary':
          this.summary = text(property[3]);
          break;
      }
    }
    this.showAs =
      busyStatus ?? (transp === 'TRANSPARENT' ? 'free' : this.status === 'tentative' ? 'tentative' : 'busy');
  }

  private readDate(property: JCalProperty): DateValue | null {
    const value = parseDateValue(property[3], tzidOf(property[1]));
    if (value === null && this.invalid === null) this.invalid = property[0].toUpperCase();
    return value;
  }

  get created(): number | null {
    return utcInstant(this.createdText);
  }

  get lastModified(): number | null {
    return utcInstant(this.lastModifiedText);
  }

  get organizer(): string | null {
    return address(this.organizerText);
  }
}

/** Reads one VEVENT's jCal into an EventRecord. */
export function readEventRecord(vevent: JCalComponent): EventRecord {
  return new ParsedEvent(vevent[1]);
}

/** What tells two copies of an event apart. */
export interface Versioned {
  readonly sequence: number;
  readonly lastModified: number | null;
}

/**
 * A copy of a string that does not share memory with the text it was cut from. V8 keeps a
 * substring as a slice of its parent, so one retained UID would keep a whole parse batch alive.
 */
export function detach(value: string): string {
  return value.length < 13 ? value : (JSON.parse(JSON.stringify(value)) as string);
}

/**
 * True when `candidate` supersedes `current` for the same UID (and RECURRENCE-ID): a higher
 * SEQUENCE, then a later LAST-MODIFIED, then the later one in the feed (feeds that repeat an
 * event after editing it).
 */
export function supersedes(candidate: Versioned, current: Versioned): boolean {
  if (candidate.sequence !== current.sequence) return candidate.sequence > current.sequence;
  const candidateModified = candidate.lastModified ?? 0;
  const currentModified = current.lastModified ?? 0;
  return candidateModified >= currentModified;
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
