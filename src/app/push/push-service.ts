import type { Instant } from '../../domain/occurrence.js';
import type { PushConfig } from '../config/load-config.js';
import type { JobKind, JobOutcome, JobQueue, JobRequest } from '../jobs/job-kind.js';
import type { CalendarRef } from '../ports/calendar-source.js';
import type { PushSubscriptionApi } from '../ports/push-subscription-api.js';
import type { PushSubscriptionStore } from '../ports/push-subscription-store.js';
import type { StateStore } from '../ports/state-store.js';
import { pushAroundSync, pushJobKinds } from './push-jobs.js';
import type { PushMetrics } from './push-metrics.js';
import { type ReceiveCounts, receiveNotifications } from './push-receiver.js';
import type { PushSubscriptionDependencies } from './push-subscriptions.js';

/** What push is made of once the composition root has picked the implementations. */
export interface PushWiring {
  readonly push: PushConfig;
  readonly tenantId: string | null;
  readonly calendars: () => readonly CalendarRef[];
  readonly store: PushSubscriptionStore;
  readonly api: PushSubscriptionApi;
  readonly state: Pick<StateStore, 'getSyncState'>;
  readonly metrics?: PushMetrics;
  /** The job that delta-syncs one calendar (the table's syncCalendar). */
  readonly syncRequest: (calendar: string) => JobRequest;
  /** Graph requests of one subscription run in flight at once. */
  readonly concurrency: number;
  readonly clock: () => Instant;
  readonly onFailure?: (calendar: string, message: string) => void;
  /** The digest of a calendar's own register entries now (drift is repaired in the next slot). */
  readonly registerDigestOf?: (calendar: string) => Promise<string>;
}

/** Push, assembled: its job kinds, the wrapper of each calendar's sync, and what the receiver calls. */
export interface PushParts {
  readonly kinds: JobKind<never>[];
  readonly subscriptions: PushSubscriptionDependencies;
  aroundSync(calendar: string, now: Instant, sync: () => Promise<JobOutcome>): Promise<JobOutcome>;
  receive(queue: JobQueue, items: readonly unknown[], receivedAt: Instant): Promise<ReceiveCounts>;
  malformed(): void;
}

/**
 * Assembles push from implementations the composition root chose: the job kinds
 * (`renewSubscriptions` every slot, `pushSubscription` for lifecycle notifications), the wrapper
 * that turns the scheduled poll of a healthy push mailbox into a safety poll and measures the
 * notification → referral latency, and the receiver's verify-and-enqueue.
 */
export function assemblePush(wiring: PushWiring): PushParts {
  const subscriptions: PushSubscriptionDependencies = {
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
    kinds: pushJobKinds({ subscriptions }),
    subscriptions,
    aroundSync: pushAroundSync({
      store: wiring.store,
      state: wiring.state,
      safetyPollMs: wiring.push.safetyPollMs,
      clock: wiring.clock,
      ...(wiring.metrics === undefined ? {} : { metrics: wiring.metrics }),
      ...(wiring.registerDigestOf === undefined ? {} : { registerDigestOf: wiring.registerDigestOf }),
    }),
    receive: (queue, items, receivedAt) =>
      receiveNotifications(
        {
          store: wiring.store,
          queue,
          syncRequest: wiring.syncRequest,
          coalesceMs: wiring.push.coalesceMs,
          // graph.tenantId may be a domain name; notifications carry the tenant's GUID
          tenantId:
            wiring.tenantId !== null &&
            /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(wiring.tenantId)
              ? wiring.tenantId.toLowerCase()
              : null,
          ...(wiring.metrics === undefined ? {} : { metrics: wiring.metrics }),
        },
        items,
        receivedAt,
      ),
    malformed: () => wiring.metrics?.refused.inc({ reason: 'malformed' }),
  };
}
