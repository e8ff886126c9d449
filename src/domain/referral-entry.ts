import { createHash, createHmac } from 'node:crypto';
import type { ReferralMode } from './codes/code-table.js';
import type { Instant } from './occurrence.js';

/**
 * One referral in the register: "away: reason, back at `end`" on an extension. Built from one
 * coded occurrence. It carries reason, label and times, never the event's subject: the
 * switchboard needs to know *that* and *until when*, not *what*.
 */
export interface ReferralEntry {
  /** Deterministic: the same occurrence always yields the same id, so re-planning is idempotent. */
  readonly id: string;
  readonly employee: string;
  readonly extension: string;
  readonly reason: string;
  readonly label: string;
  readonly mode: ReferralMode;
  readonly start: Instant;
  /** "åter": when the employee is back. */
  readonly end: Instant;
  /**
   * Who owns the entry. `calendar`: hanvisa's sync, the only writer of such entries; `manual`
   * (or anything else): written on the web, by phone or through the API, and never touched by
   * sync or reconcile.
   */
  readonly source: string;
  /**
   * Which calendar and event the entry came from: hanvisa's calendar id (no address) and a
   * keyed hash of the event's uid (`sourceRefUid`), never the uid itself: uids can carry
   * personal text. Entries hanvisa did not write carry whatever their writer put here.
   */
  readonly sourceRef: {
    readonly calendar: string;
    readonly uid: string;
    readonly recurrenceId: string | null;
  };
  /** Hash of everything the switchboard sees; a changed hash means the entry must be updated. */
  readonly contentHash: string;
}

/** The source of entries hanvisa's sync owns. */
export const CALENDAR_SOURCE = 'calendar';

/** The source of entries people wrote (web, phone, the register API): never touched by sync. */
export const MANUAL_SOURCE = 'manual';

/**
 * Whether hanvisa's sync owns the entry. Ownership follows the source alone: only sync writes
 * `calendar` entries, and sync writes, updates and deletes nothing else.
 */
export function isCalendarOwned(entry: Pick<ReferralEntry, 'source'>): boolean {
  return entry.source === CALENDAR_SOURCE;
}

const CALENDAR_ENTRY_ID = /^[0-9a-f]{32}$/;

/**
 * Whether `id` has the shape of the ids sync gives entries (`referralEntryId`: 32 lowercase hex
 * digits). A register that lets people write entries by id can reserve that shape, so nobody
 * can take an id ahead of the calendar entry that will need it.
 */
export function isCalendarEntryId(id: string): boolean {
  return CALENDAR_ENTRY_ID.test(id);
}

const KEYED_UID_PREFIX = 'hmac-sha256:';

/**
 * What `sourceRef.uid` holds for an event uid: an HMAC-SHA256 of the uid under `key`
 * (128 bits, hex, prefixed so that a uid stored verbatim by an older hanvisa is recognisable).
 * The same uid and key always give the same value, so the entries of one event can be found
 * again; without the key it says nothing about the uid. (The entry id stays an unkeyed hash of
 * employee, calendar, uid and start, so that ids survive a lost key: see `referralEntryId`.)
 */
export function sourceRefUid(key: string, uid: string): string {
  return `${KEYED_UID_PREFIX}${createHmac('sha256', key).update(uid).digest('hex').slice(0, 32)}`;
}

/** Whether a `sourceRef.uid` is a keyed hash (`sourceRefUid`) and not a verbatim uid. */
export function isKeyedUid(value: string): boolean {
  return value.startsWith(KEYED_UID_PREFIX);
}

/** Whether two entries are the same in everything the register stores. */
export function sameEntry(a: ReferralEntry, b: ReferralEntry): boolean {
  return (
    a.id === b.id &&
    a.employee === b.employee &&
    a.extension === b.extension &&
    a.reason === b.reason &&
    a.label === b.label &&
    a.mode === b.mode &&
    a.start === b.start &&
    a.end === b.end &&
    a.source === b.source &&
    a.sourceRef.calendar === b.sourceRef.calendar &&
    a.sourceRef.uid === b.sourceRef.uid &&
    a.sourceRef.recurrenceId === b.sourceRef.recurrenceId &&
    a.contentHash === b.contentHash
  );
}

/**
 * The entry id: a hash of employee, calendar, event uid and occurrence start. Stable across
 * cycles, processes and hosts, so a retried or duplicated job plans the same ids. Deliberately
 * not keyed: a state store that lost the uid key (Redis restarted empty) then only changes
 * `sourceRef.uid` (updates), instead of every id (a delete and create of every entry, which
 * the mass-delete guard would refuse).
 */
export function referralEntryId(employee: string, calendar: string, uid: string, start: Instant): string {
  return createHash('sha256')
    .update(`${employee}\u0000${calendar}\u0000${uid}\u0000${start}`)
    .digest('hex')
    .slice(0, 32);
}

/** The content hash covers what the switchboard sees; ids and source references are not content. */
export function referralContentHash(
  entry: Omit<ReferralEntry, 'id' | 'contentHash' | 'sourceRef' | 'source'>,
): string {
  return createHash('sha256')
    .update(
      `${entry.employee}\u0000${entry.extension}\u0000${entry.reason}\u0000${entry.label}\u0000${entry.mode}\u0000${entry.start}\u0000${entry.end}`,
    )
    .digest('hex')
    .slice(0, 16);
}
