import type { Instant } from '../../domain/occurrence.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';
import type { MirrorChange, MirrorStateStore, NoticeKind, UnknownCodeNotice } from './mirror.js';

/** A notice to record for a notice mirror: insert-once by `ref` (one mail per occurrence). */
export interface NoticeRecord {
  readonly change: NoticeKind;
  readonly employee: string;
  readonly ref: string;
  readonly notice: UnknownCodeNotice;
  /** The first instant it may be sent (the next office hour). */
  readonly notBefore: Instant;
}

/** A mirror's backlog, for the metrics and `/readyz`. */
export interface OutboxStats {
  readonly pending: number;
  /** Age of the oldest pending change that is due (0 when none). */
  readonly oldestPendingMs: number;
  readonly dead: number;
}

/** What happened to a change that could not be delivered now. */
export type DeliveryFailure =
  | { readonly kind: 'retry'; readonly nextAttemptAt: Instant; readonly error: string }
  | { readonly kind: 'defer'; readonly until: Instant }
  | { readonly kind: 'dead'; readonly error: string };

/**
 * Port: the outbox, the durable list of changes each mirror is still owed. Invariants:
 * register changes are recorded in the same transaction (or state write) as the change itself
 * (`recordEntryChangesSync` runs inside the register's transaction); every change is kept until
 * its mirror took it or it was parked as dead (never dropped silently); per mirror and
 * employee, `head` hands out changes strictly in order (by when they happened, then by record
 * order), so the head blocks later changes of the same employee until it is delivered, retried
 * or dead; other employees and other mirrors are never blocked. Still-future moments (`current`
 * at an entry's start, `ended` at its end) are cancelled when the entry is written again.
 */
export interface OutboxStore extends MirrorStateStore {
  /** The entry mirrors every register change is recorded for (fixed when the app is wired). */
  readonly entryMirrors: readonly string[];
  /** Records a register write's changes for every entry mirror; returns the rows added. */
  recordEntryChanges(
    previous: ReferralEntry | null,
    next: ReferralEntry | null,
    now: Instant,
  ): Promise<number>;
  /** Records notices for one notice mirror, once per `ref` (a repeat is ignored); returns the rows added. */
  recordNotices(mirror: string, notices: readonly NoticeRecord[], now: Instant): Promise<number>;
  /** The head change of a mirror's employee if it is due at `now`, else null. */
  head(mirror: string, employee: string, now: Instant): Promise<MirrorChange | null>;
  /** When the employee's next change becomes due (its moment or its retry), or null when none is pending. */
  nextDueAt(mirror: string, employee: string): Promise<Instant | null>;
  /** Employees with a due change for the mirror, up to `limit`, oldest first. */
  dueEmployees(mirror: string, now: Instant, limit: number): Promise<string[]>;
  markDelivered(seq: number, now: Instant): Promise<void>;
  markFailed(seq: number, failure: DeliveryFailure, now: Instant): Promise<void>;
  stats(mirror: string, now: Instant): Promise<OutboxStats>;
  /** Parked changes (newest first), for IT. */
  listDead(mirror: string, limit: number): Promise<MirrorChange[]>;
  /**
   * Retention: forgets delivered entry changes recorded before `delivered`, and notices (kept
   * so that each is sent once) and dead changes recorded before `kept`; returns how many.
   */
  prune(cutoffs: { readonly delivered: Instant; readonly kept: Instant }): Promise<number>;
}
