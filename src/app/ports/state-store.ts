import type { Instant } from '../../domain/occurrence.js';
import type { RuleFinding } from '../../domain/rules/rule.js';
import type { SourceCursor } from './calendar-source.js';

/** What hanvisa remembers about one calendar between cycles. */
export interface CalendarSyncState {
  readonly calendar: string;
  readonly cursor: SourceCursor | null;
  readonly lastSyncAt: Instant | null;
  readonly lastSuccessAt: Instant | null;
  /** The last failure's message (names the calendar, never its address), or null after a success. */
  readonly lastError: string | null;
  /**
   * `registerDigest` of the calendar's own entries as the last applied round left them, or
   * null when unknown. A register whose digest differs was changed behind hanvisa's back: the
   * next round reads the calendar in full and repairs it.
   */
  readonly registerDigest: string | null;
}

/**
 * A rule finding (the domain's `RuleFinding`), stored once per `key` (rule, calendar, uid,
 * occurrence start): a second cycle that finds the same thing does not add a row, and deleting
 * the event does not remove it. `details` holds codes, kinds and instants only, never subject text.
 */
export type Finding = RuleFinding;

export interface FindingQuery {
  readonly from: Instant;
  readonly to: Instant;
  readonly employees?: readonly string[];
  readonly rule?: string;
}

/**
 * Port: hanvisa's own memory (cursors, register digests, first-seen times, findings, its uid
 * key), in SQLite or Redis. Invariants: every write is idempotent; `markSeen` returns the
 * *first* time each key was seen, however often it is called; findings are insert-once by key;
 * `ensureSecret` returns one value per name to every caller, in every process.
 */
export interface StateStore {
  getSyncState(calendar: string): Promise<CalendarSyncState | null>;
  putSyncState(state: CalendarSyncState): Promise<void>;
  /** Forgets a calendar's state (it left the directory): its cursor can hold a mailbox address. */
  deleteSyncState(calendar: string): Promise<void>;
  /**
   * The secret stored under `name`; stores `candidate` first when there is none (atomically:
   * two processes asking at once both get the one that was stored). Used for the uid key.
   */
  ensureSecret(name: string, candidate: string): Promise<string>;
  /** Records `now` for keys not seen before; returns the first-seen time of every key. */
  markSeen(keys: readonly string[], now: Instant): Promise<Map<string, Instant>>;
  /** Inserts findings whose key is new; returns how many were new. */
  addFindings(findings: readonly Finding[]): Promise<number>;
  listFindings(query: FindingQuery): Promise<Finding[]>;
  /**
   * Forgets first-seen times recorded before `before` (retention): sightings grow with every
   * occurrence and day, so they are kept as long as findings, not forever.
   */
  pruneSeen(before: Instant): Promise<number>;
  /** Deletes findings whose occurrence started before `before` (retention). */
  pruneFindings(before: Instant): Promise<number>;
  close(): Promise<void>;
}
