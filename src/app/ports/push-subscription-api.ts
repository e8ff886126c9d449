import type { Instant } from '../../domain/occurrence.js';
import type { CalendarRef } from './calendar-source.js';

/** What Graph answered to a create or a renewal. */
export interface CreatedSubscription {
  readonly id: string;
  readonly expiresAt: Instant;
}

/**
 * Port: Graph's subscription resource for one mailbox's events (`/users/{id}/events`, created,
 * updated and deleted). Graph calls the notification and lifecycle URLs back (the validation
 * handshake) before `create` returns. Failures throw TransientError / PermanentError naming the
 * calendar by id, never the mailbox.
 */
export interface PushSubscriptionApi {
  create(
    calendar: CalendarRef,
    request: { readonly clientState: string; readonly expiresAt: Instant },
  ): Promise<CreatedSubscription>;
  /** Extends the expiry; `gone` when Graph no longer knows the subscription (404): create a new one. */
  renew(
    calendar: CalendarRef,
    subscriptionId: string,
    expiresAt: Instant,
  ): Promise<CreatedSubscription | 'gone'>;
  /** Deletes it at Graph; a subscription Graph no longer knows counts as deleted. */
  remove(calendar: CalendarRef | null, subscriptionId: string): Promise<void>;
}
