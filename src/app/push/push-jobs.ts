import { z } from 'zod';
import type { Instant } from '../../domain/occurrence.js';
import { scheduledPollDue } from '../../domain/push-plan.js';
import type { JobKind, JobOutcome } from '../jobs/job-kind.js';
import type { StateStore } from '../ports/state-store.js';
import type { PushMetrics } from './push-metrics.js';
import { PUSH_SUBSCRIPTION, PUSH_SYNC, RENEW_SUBSCRIPTIONS } from './push-receiver.js';
import {
  type MaintenanceCounts,
  maintainSubscriptions,
  type PushSubscriptionDependencies,
  refreshSubscription,
} from './push-subscriptions.js';

/** What the push job kinds need beyond the subscription manager's dependencies. */
export interface PushJobDependencies {
  readonly subscriptions: PushSubscriptionDependencies;
  /** The one delta sync of a calendar, the same handler the scheduled poll runs (the syncCalendar kind's). */
  readonly syncCalendar: (calendar: string, now: Instant) => Promise<JobOutcome>;
  /** The key the syncCalendar kind uses for a calendar: a push sync and a poll of one calendar never overlap. */
  readonly syncKey: (calendar: string) => string;
  readonly metrics?: PushMetrics;
  /** The wall clock, for the notification → referral latency (read after the sync applied its plan). */
  readonly clock: () => Instant;
}

const calendarId = z.string().min(1).max(200);

/** `pushSync`: the delta sync a change (or `missed`) notification asked for. */
export function pushSyncKind(deps: PushJobDependencies): JobKind<{ calendar: string; notifiedAt: number }> {
  return {
    name: PUSH_SYNC,
    data: z.strictObject({ calendar: calendarId, notifiedAt: z.number().int() }),
    key: (data) => deps.syncKey(data.calendar),
    retry: { attempts: 5, baseDelayMs: 2_000 },
    async handle(data, now) {
      const outcome = await deps.syncCalendar(data.calendar, now);
      deps.metrics?.latency.observe(Math.max(0, deps.clock() - data.notifiedAt) / 1000);
      return outcome;
    },
  };
}

/** `pushSubscription`: a lifecycle notification's renewal or re-creation for one calendar. */
export function pushSubscriptionKind(
  deps: PushJobDependencies,
): JobKind<{ calendar: string; action: 'renew' | 'recreate' }> {
  return {
    name: PUSH_SUBSCRIPTION,
    data: z.strictObject({ calendar: calendarId, action: z.enum(['renew', 'recreate']) }),
    key: (data) => `push|${data.calendar}`,
    retry: { attempts: 3, baseDelayMs: 10_000 },
    async handle(data, now) {
      const status = await refreshSubscription(deps.subscriptions, data.calendar, data.action, now);
      // A failure is recorded on the subscription (failing, retried by renewSubscriptions, polled meanwhile).
      return { status };
    },
  };
}

/** `renewSubscriptions`: every slot, one run at a time across processes (one key). */
export function renewSubscriptionsKind(deps: PushJobDependencies): JobKind<Record<string, never>> & {
  everySlot(): Record<string, never>[];
} {
  return {
    name: RENEW_SUBSCRIPTIONS,
    data: z.strictObject({}),
    key: () => 'all',
    retry: { attempts: 1, baseDelayMs: 60_000 },
    everySlot: () => [{}],
    async handle(_data, now) {
      const counts: MaintenanceCounts = await maintainSubscriptions(deps.subscriptions, now);
      return { status: counts.failed > 0 ? 'partial' : 'done', counts: { ...counts } };
    },
  };
}

/** The three push kinds, for the job table. */
export function pushJobKinds(deps: PushJobDependencies): JobKind<never>[] {
  return [
    pushSyncKind(deps),
    pushSubscriptionKind(deps),
    renewSubscriptionsKind(deps),
  ] as unknown as JobKind<never>[];
}

/**
 * Wraps the scheduled poll (the syncCalendar kind's handle) with the safety poll: a Graph
 * calendar with a healthy subscription is skipped unless its last success is `safetyPollMs`
 * old; every other calendar is polled as before. Push syncs do not go through this.
 */
export function withSafetyPoll(
  poll: (calendar: string, now: Instant) => Promise<JobOutcome>,
  options: {
    readonly store: PushSubscriptionDependencies['store'];
    readonly state: Pick<StateStore, 'getSyncState'>;
    readonly safetyPollMs: number;
  },
): (calendar: string, now: Instant) => Promise<JobOutcome> {
  return async (calendar, now) => {
    const [record, state] = await Promise.all([
      options.store.get(calendar),
      options.state.getSyncState(calendar),
    ]);
    if (!scheduledPollDue(record, state?.lastSuccessAt ?? null, now, { safetyPollMs: options.safetyPollMs }))
      return { status: 'pushed' };
    return poll(calendar, now);
  };
}
