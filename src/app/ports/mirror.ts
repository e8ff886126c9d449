import type { MirrorChangeKind } from '../../domain/mirror-change.js';
import type { Instant } from '../../domain/occurrence.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

/**
 * An entry as mirrors see it: the REST contract's entry fields, with the calendar id but never
 * the event's uid (or anything of its subject).
 */
export interface MirrorEntry {
  readonly id: string;
  readonly employee: string;
  readonly extension: string;
  readonly reason: string;
  readonly label: string;
  readonly mode: ReferralEntry['mode'];
  readonly start: Instant;
  readonly end: Instant;
  readonly source: string;
  readonly calendar: string;
  readonly contentHash: string;
}

/**
 * What the employee is told: the occurrence's start and, for an unknown code, the likely code
 * (never the token), for a late entry the deadline it missed. Nothing of the subject.
 */
export interface UnknownCodeNotice {
  readonly calendar: string;
  readonly occurrenceStart: Instant;
  readonly suggestion: string | null;
  /** Set for `lateEntry` notices: when the meeting should have been in the calendar. */
  readonly deadline?: Instant | null;
}

/** The kinds of notice to an employee. */
export type NoticeKind = 'unknownCode' | 'lateEntry';

/** The kinds of change an outbox row carries: register changes, and notices to the employee. */
export type OutboxChangeKind = MirrorChangeKind | NoticeKind;

/**
 * One change on its way to one mirror. `version` grows with every change of the same entry
 * (`ref`) for this mirror, across deletes and re-creates: a receiver that has seen a version
 * ignores it, and anything older, when it comes again (delivery is at least once).
 */
export interface MirrorChange {
  readonly seq: number;
  readonly mirror: string;
  readonly employee: string;
  /** The entry id (entry changes) or the finding key (notices). */
  readonly ref: string;
  readonly version: number;
  readonly change: OutboxChangeKind;
  readonly occurredAt: Instant;
  readonly recordedAt: Instant;
  /** Failed tries so far. */
  readonly attempts: number;
  /** Set for entry changes. */
  readonly entry: MirrorEntry | null;
  /** Set for notices (`unknownCode`, `lateEntry`). */
  readonly notice: UnknownCodeNotice | null;
}

/**
 * Port: a system the register is mirrored to (Teams presence, a signed webhook, the employee's
 * mailbox). Invariants: `deliver` is idempotent (the same change delivered twice leaves the
 * mirror as after once; the outbox delivers at least once); it throws `TransientError` when
 * trying again can help (with `retryAfterMs` when the other side said how long to wait) and
 * `PermanentError` when it cannot (the change is then parked as dead with a finding). It never
 * logs or sends subject text; addresses it needs it resolves itself from ids.
 */
export interface Mirror {
  /** The configured name (`mirrors[].name`, default the kind); a metrics label and the outbox's key. */
  readonly name: string;
  readonly kind: string;
  /** Which changes this mirror is sent (entry changes, or notices). */
  readonly receives: 'entries' | 'notices';
  /** The earliest instant a change may be delivered (office hours), or null for now. */
  notBefore?(change: MirrorChange, now: Instant): Instant | null;
  deliver(change: MirrorChange, now: Instant): Promise<void>;
}

/** A mirror's own memory per employee (e.g. what hanvisa set in Teams, so it clears only that). */
export interface MirrorStateStore {
  getMirrorState(mirror: string, employee: string): Promise<unknown | null>;
  putMirrorState(mirror: string, employee: string, state: unknown | null): Promise<void>;
}

/** The mirror view of a register entry. */
export function mirrorEntry(entry: ReferralEntry): MirrorEntry {
  return {
    id: entry.id,
    employee: entry.employee,
    extension: entry.extension,
    reason: entry.reason,
    label: entry.label,
    mode: entry.mode,
    start: entry.start,
    end: entry.end,
    source: entry.source,
    calendar: entry.sourceRef.calendar,
    contentHash: entry.contentHash,
  };
}

/** One mirror's backlog and its parked changes, as IT sees them (ids only, nothing personal). */
export interface MirrorReport {
  readonly name: string;
  readonly kind: string;
  readonly pending: number;
  readonly oldestPendingSeconds: number;
  readonly dead: number;
  readonly parked: readonly {
    readonly employee: string;
    readonly ref: string;
    readonly change: string;
    readonly version: number;
    readonly occurredAt: string;
    readonly attempts: number;
  }[];
}
