import type { Instant } from './occurrence.js';

/** The timing of push subscriptions (from `push:` in the config, in ms). */
export interface PushTiming {
  /** How long a new or renewed subscription lives (Graph's maximum for Outlook events is 10,080 minutes). */
  readonly lifetimeMs: number;
  /** Renew when less than this is left, so a host that is down for up to this long loses nothing. */
  readonly renewBeforeMs: number;
  /** With a healthy subscription, a mailbox is still delta-synced this often. */
  readonly safetyPollMs: number;
}

/** The part of a stored subscription the plans read. */
export interface SubscriptionFacts {
  readonly subscriptionId: string | null;
  readonly status: 'active' | 'failing';
  readonly expiresAt: Instant | null;
  readonly retryAt: Instant | null;
}

export type SubscriptionStep = 'create' | 'renew' | 'wait' | 'none';

/**
 * What to do with one mailbox's subscription now. No record, an expired one (Graph dropped it)
 * or a failing one whose retry time has come: `create`; an active one with less than
 * `renewBeforeMs` left: `renew`; a failing one before its retry time: `wait`; else `none`.
 * Decided from stored instants only, so any process (after a restart, on another host) decides
 * the same.
 */
export function subscriptionStep(
  record: SubscriptionFacts | null,
  now: Instant,
  timing: Pick<PushTiming, 'renewBeforeMs'>,
): SubscriptionStep {
  if (record === null) return 'create';
  if (record.status === 'failing' || record.subscriptionId === null || record.expiresAt === null) {
    return record.retryAt === null || record.retryAt <= now ? 'create' : 'wait';
  }
  if (record.expiresAt <= now) return 'create';
  return record.expiresAt - now <= timing.renewBeforeMs ? 'renew' : 'none';
}

/** The wait before the `failures`-th retry of a failing subscription: 5 min, doubling, at most 6 h. */
export function subscriptionRetryDelayMs(failures: number): number {
  return Math.min(300_000 * 2 ** Math.max(0, failures - 1), 6 * 3_600_000);
}

/**
 * Whether a scheduled poll of a calendar is due. A mailbox with an active, unexpired
 * subscription is polled only when its last successful sync is at least `safetyPollMs` old
 * (push says when to run delta; the safety poll catches a lost notification). Without one
 * (never subscribed, failing, expired, or not a Graph mailbox) the normal poll runs.
 */
export function scheduledPollDue(
  record: SubscriptionFacts | null,
  lastSuccessAt: Instant | null,
  now: Instant,
  timing: Pick<PushTiming, 'safetyPollMs'>,
): boolean {
  if (record === null || record.status !== 'active' || record.expiresAt === null || record.expiresAt <= now)
    return true;
  return lastSuccessAt === null || now - lastSuccessAt >= timing.safetyPollMs;
}
