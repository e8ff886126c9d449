import { z } from 'zod';
import type { Instant } from '../../domain/occurrence.js';
import { scheduledPollDue } from '../../domain/push-plan.js';
import type { JobKind, JobOutcome } from '../jobs/job-kind.js';
import type { StateStore } from '../ports/state-store.js';
import type { PushMetrics } from './push-metrics.js';
import { PUSH_SUBSCRIPTION, RENEW_SUBSCRIPTIONS } from './push-receiver.js';
import {
  type MaintenanceCounts,
  maintainSubscriptions,
  type PushSubscriptionDependencies,
  refreshSubscription,
} from './push-subscriptions.js';

/** What the push job kinds need beyond the subscription manager's dependencies. */
export interface PushJobDependencies {
  readonly subscriptions: PushSubscriptionDependencies;
}

const calendarId = z.string().min(1).max(200);

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

/** The push kinds for the job table (delta syncs run as the table's syncCalendar jobs). */
export function pushJobKinds(deps: PushJobDependencies): JobKind<never>[] {
  return [pushSubscriptionKind(deps), renewSubscriptionsKind(deps)] as unknown as JobKind<never>[];
}

/** What the wrapper around a calendar's sync needs. */
export interface AroundSyncDependencies {
  readonly store: Pick<PushSubscriptionDependencies['store'], 'get' | 'markNotified' | 'takeNotified'>;
  readonly state: Pick<StateStore, 'getSyncState'>;
  readonly safetyPollMs: number;
  readonly metrics?: PushMetrics;
  /** The wall clock, for the notification → referral latency (read after the plan was applied). */
  readonly clock: () => Instant;
  /** Notifications that arrive while a sync runs make it run again, at most this many rounds in all. */
  readonly maxRounds?: number;
  /**
   * The digest of the calendar's own entries in the register now (domain `registerDigest`): a
   * push mailbox whose entries were changed behind hanvisa's back is synced (and restored) in
   * the next slot, as every other calendar is, not only at the safety poll.
   */
  readonly registerDigestOf?: (calendar: string) => Promise<string>;
}

/**
 * Wraps one calendar's sync (the syncCalendar kind's handler) for push:
 * - a pending notification (see `markNotified`) always runs it, and its latency is observed once
 *   the plan is applied; notifications that arrive meanwhile run it again (bounded), so a change
 *   made while a delta round ran is not left to the safety poll;
 * - without one, a Graph mailbox with a healthy subscription is synced only when its last success
 *   is `safetyPollMs` old (the safety poll) or its register entries drifted; every other calendar
 *   is synced as before;
 * - a sync that throws puts its notification back, so the queue's retry still runs it.
 */
export function pushAroundSync(deps: AroundSyncDependencies) {
  const maxRounds = deps.maxRounds ?? 3;
  return async (calendar: string, now: Instant, sync: () => Promise<JobOutcome>): Promise<JobOutcome> => {
    let notified = await deps.store.takeNotified(calendar);
    if (notified === null) {
      const [record, state] = await Promise.all([
        deps.store.get(calendar),
        deps.state.getSyncState(calendar),
      ]);
      const due = scheduledPollDue(record, state?.lastSuccessAt ?? null, now, {
        safetyPollMs: deps.safetyPollMs,
      });
      const drifted =
        !due &&
        deps.registerDigestOf !== undefined &&
        (state?.registerDigest ?? null) !== (await deps.registerDigestOf(calendar));
      if (!due && !drifted) return { status: 'pushed' };
    }
    for (let round = 1; ; round++) {
      let outcome: JobOutcome;
      try {
        outcome = await sync();
      } catch (error) {
        if (notified !== null) await deps.store.markNotified(calendar, notified);
        throw error;
      }
      if (notified !== null) deps.metrics?.latency.observe(Math.max(0, deps.clock() - notified) / 1000);
      notified = round < maxRounds ? await deps.store.takeNotified(calendar) : null;
      if (notified === null) return outcome;
    }
  };
}
