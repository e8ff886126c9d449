import { createHash } from 'node:crypto';
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
  /** `calendar` for entries hanvisa owns; anything else was made by someone else and is never touched. */
  readonly source: string;
  /** Which calendar and event the entry came from: `calendarId` and the event's uid, no personal data. */
  readonly sourceRef: {
    readonly calendar: string;
    readonly uid: string;
    readonly recurrenceId: string | null;
  };
  /** Hash of everything the switchboard sees; a changed hash means the entry must be updated. */
  readonly contentHash: string;
}

export const CALENDAR_SOURCE = 'calendar';

/**
 * The entry id: a hash of employee, calendar, event uid and occurrence start. Stable across
 * cycles, processes and hosts, so a retried or duplicated job plans the same ids.
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
