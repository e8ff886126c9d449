import type { Instant } from '../../domain/occurrence.js';

/**
 * What hanvisa remembers about one Graph mailbox's change-notification subscription. Keyed by
 * calendar id (never the mailbox address). The `clientState` secret itself is sent to Graph
 * once, when the subscription is created, and only its SHA-256 is kept: a reader of the store
 * cannot forge a notification.
 */
export interface PushSubscription {
  readonly calendar: string;
  /** Graph's subscription id; null while no subscription exists (never created, or creating failed). */
  readonly subscriptionId: string | null;
  /** SHA-256 (hex) of the subscription's random clientState; '' when there is none. */
  readonly clientStateHash: string;
  /** When Graph will drop the subscription unless it is renewed. */
  readonly expiresAt: Instant | null;
  /** `active`: Graph accepted it; `failing`: creating or renewing failed, the mailbox is polled normally. */
  readonly status: 'active' | 'failing';
  /** Failed attempts in a row (backoff). */
  readonly failures: number;
  /** A failing subscription is tried again from this instant. */
  readonly retryAt: Instant | null;
  /** The last failure, naming the calendar by id only. */
  readonly lastError: string | null;
  readonly createdAt: Instant | null;
  readonly updatedAt: Instant;
}

/**
 * Port: the push subscriptions, shared by every process (SQLite beside the state in the
 * embedded runtime, Redis in the distributed one), so any host can verify a notification and
 * any host can renew. Invariants: one record per calendar; `bySubscriptionId` finds exactly the
 * record whose current `subscriptionId` it is (a replaced id no longer resolves); `put` replaces
 * the whole record atomically; every write is idempotent.
 */
export interface PushSubscriptionStore {
  get(calendar: string): Promise<PushSubscription | null>;
  bySubscriptionId(subscriptionId: string): Promise<PushSubscription | null>;
  put(subscription: PushSubscription): Promise<void>;
  remove(calendar: string): Promise<void>;
  /** Every record (the renewal job walks them; a few hundred bytes each). */
  list(): Promise<PushSubscription[]>;
  /** How many are active and failing (the metrics gauge). */
  counts(): Promise<{ active: number; failing: number }>;
  /**
   * Records that a verified change notification for the calendar arrived at `at`, unless one is
   * already pending (the earliest counts: it is where the latency starts). The marker tells the
   * next sync of the calendar to run even when the safety poll would skip it.
   */
  markNotified(calendar: string, at: Instant): Promise<void>;
  /** Takes and clears the pending notification time (atomically: two takers never both get it). */
  takeNotified(calendar: string): Promise<Instant | null>;
  close(): Promise<void>;
}
