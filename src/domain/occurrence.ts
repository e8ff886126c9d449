/**
 * An instant as milliseconds since the Unix epoch (always UTC). Local rules convert through
 * the configured IANA zone with Luxon; nothing in hanvisa adds offsets by hand.
 */
export type Instant = number;

/** Outlook's free/busy vocabulary; ICS TRANSP / X-MICROSOFT-CDO-BUSYSTATUS map onto it. */
export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export const SHOW_AS_VALUES: readonly ShowAs[] = [
  'free',
  'tentative',
  'busy',
  'oof',
  'workingElsewhere',
  'unknown',
];

export type OccurrenceStatus = 'confirmed' | 'tentative' | 'cancelled';

/**
 * One concrete occurrence of a calendar event, as every calendar source delivers it: recurring
 * series are already expanded, all-day events already span local midnight to local midnight.
 *
 * `subject` is personal data: it is kept in memory only, to read the code from, and never
 * reaches a log, a job, the register, the state store or a report.
 */
export interface Occurrence {
  /** The event's UID (ICS) or id (Graph); the same for every occurrence of a series. */
  readonly uid: string;
  /** The original start of this instance of a series (ISO, UTC), or null for a single event. */
  readonly recurrenceId: string | null;
  readonly start: Instant;
  readonly end: Instant;
  readonly allDay: boolean;
  readonly status: OccurrenceStatus;
  readonly showAs: ShowAs;
  readonly private: boolean;
  /** When the event (or its series master) was created; null when the source does not say. */
  readonly createdAt: Instant | null;
  /** The source's last-modified time; never used alone as "entered at" (Exchange touches it). */
  readonly modifiedAt: Instant | null;
  /** True when the calendar owner organised the event, false when invited, null when unknown. */
  readonly organizerIsSelf: boolean | null;
  readonly subject: string;
}

/** A half-open span of time [from, to). */
export interface TimeSpan {
  readonly from: Instant;
  readonly to: Instant;
}

/** True when the occurrence overlaps [from, to); a zero-length occurrence counts at its start. */
export function overlaps(item: { start: Instant; end: Instant }, span: TimeSpan): boolean {
  return (
    item.start < span.to && (item.end > span.from || (item.end === item.start && item.start >= span.from))
  );
}
