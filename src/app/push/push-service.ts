import type { Instant } from '../../domain/occurrence.js';
import type { PushConfig } from '../config/load-config.js';
import type { JobKind, JobOutcome, JobQueue } from '../jobs/job-kind.js';
import type { CalendarRef } from '../ports/calendar-source.js';
import type { PushSubscriptionApi } from '../ports/push-subscription-api.js';
import type { PushSubscriptionStore } from '../ports/push-subscription-store.js';
import type { StateStore } from '../ports/state-store.js';
import { pushJobKinds, withSafetyPoll } from './push-jobs.js';
import type { PushMetrics } from './push-metrics.js';
import { type ReceiveCounts, receiveNotifications } from './push-receiver.js';

/** What push is made of once the composition root has picked the implementations. */
export interface PushWiring {
  readonly push: PushConfig;
  readonly tenantId: string | null;
  readonly calendars: () => readonly CalendarRef[];
  readonly store: PushSubscriptionStore;
  readonly api: PushSubscriptionApi;
  readonly state: Pick<StateStore, 'getSyncState'>;
  readonly metrics?: PushMetrics;
  /** The runtime's queue (resolved late: the runtime is built after the table). */
  readonly queue: () => JobQueue;
  /** The scheduled poll's handler for one calendar (the syncCalendar kind's). */
  readonly syncCalendar: (calendar: string, now: Instant) => Promise<JobOutcome>;
  readonly syncKey: (calendar: string) => string;
  /** Graph requests of one subscription run in flight at once. */
  readonly concurrency: number;
  readonly clock: () => Instant;
  readonly onFailure?: (calendar: string, message: string) => void;
}

/** Push, assembled: its job kinds, what the receiver routes call, and the safety-poll filter. */
export interface PushParts {
  readonly kinds: JobKind<never>[];
  receive(items: readonly unknown[], receivedAt: Instant): Promise<ReceiveCounts>;
  malformed(): void;
  /** Wraps the scheduled poll: healthy push mailboxes are polled every `safetyPoll` only. */
  safetyPoll(
    poll: (calendar: string, now: Instant) => Promise<JobOutcome>,
  ): (calendar: string, now: Instant) => Promise<JobOutcome>;
}

/**
 * Assembles push from implementations the composition root chose: the three job kinds
 * (`renewSubscriptions` every slot, `pushSync`, `pushSubscription`), the receiver's
 * verify-and-enqueue, and the safety-poll filter for the scheduled poll.
 */
export function assemblePush(wiring: PushWiring): PushParts {
  const subscriptions = {
    calendars: wiring.calendars,
    store: wiring.store,
    api: wiring.api,
    timing: {
      lifetimeMs: wiring.push.lifetimeMs,
      renewBeforeMs: wiring.push.renewBeforeMs,
      safetyPollMs: wiring.push.safetyPollMs,
    },
    maxCreatesPerRun: wiring.push.maxCreatesPerSlot,
    concurrency: wiring.concurrency,
    ...(wiring.metrics === undefined ? {} : { metrics: wiring.metrics }),
    ...(wiring.onFailure === undefined ? {} : { onFailure: wiring.onFailure }),
  };
  return {
    kinds: pushJobKinds({
      subscriptions,
      syncCalendar: wiring.syncCalendar,
      syncKey: wiring.syncKey,
      clock: wiring.clock,
      ...(wiring.metrics === undefined ? {} : { metrics: wiring.metrics }),
    }),
    receive: (items, receivedAt) =>
      receiveNotifications(
        {
          store: wiring.store,
          queue: wiring.queue(),
          coalesceMs: wiring.push.coalesceMs,
          tenantId: wiring.tenantId,
          ...(wiring.metrics === undefined ? {} : { metrics: wiring.metrics }),
        },
        items,
        receivedAt,
      ),
    malformed: () => wiring.metrics?.refused.inc({ reason: 'malformed' }),
    safetyPoll: (poll) =>
      withSafetyPoll(poll, {
        store: wiring.store,
        state: wiring.state,
        safetyPollMs: wiring.push.safetyPollMs,
      }),
  };
}
