import type { Instant } from '../../domain/occurrence.js';
import type { Plan } from '../../domain/reconcile.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

export interface ReferralQuery {
  readonly employee?: string;
  /** Entries whose `sourceRef.calendar` is this calendar. */
  readonly calendar?: string;
  readonly source?: string;
}

/**
 * Port: the referral register the switchboard reads (embedded SQLite, or a REST service).
 * Invariants: `apply` is all-or-nothing for one plan and idempotent (upsert by id, delete by
 * id; applying the same plan twice leaves the register as after once); it refuses a plan whose
 * `refused` is set. Entries carry no subject text and no event uid (`sourceRef.uid` is keyed).
 *
 * Ownership follows `source`: `apply` is sync's write path and touches only `source: calendar`
 * entries of the plan's calendar. It refuses a plan that names any other entry
 * (`planOwnershipProblem`), and never overwrites or deletes an entry that is not calendar-owned
 * in the register, even when a plan entry has its id: manual entries (web, phone, the register
 * API) are never touched by sync.
 */
export interface ReferralSink {
  list(query: ReferralQuery): Promise<ReferralEntry[]>;
  /** One entry by id, or null (the register API uses it to tell calendar-owned ids from manual ones). */
  get(id: string): Promise<ReferralEntry | null>;
  apply(plan: Plan): Promise<void>;
  /** The calendar ids that have calendar-owned entries (to find calendars gone from the directory). */
  ownedCalendars(): Promise<string[]>;
  /**
   * Retention: deletes entries that ended (`end`) before `before`; returns how many. A register
   * hanvisa holds itself (embedded SQLite, memory) is hanvisa's to keep tidy, so there it deletes
   * every such entry, manual ones included; in a register hanvisa only writes to (rest) it
   * deletes only its own (`source: calendar`).
   */
  pruneEnded(before: Instant): Promise<number>;
  close(): Promise<void>;
}
