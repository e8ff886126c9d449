import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Instant } from '../../domain/occurrence.js';
import type { JobQueue, JobRequest } from '../jobs/job-kind.js';
import type { PushSubscription, PushSubscriptionStore } from '../ports/push-subscription-store.js';
import type { PushMetrics } from './push-metrics.js';
import { clientStateHash } from './push-subscriptions.js';

/** The job kinds push adds to the one job table (its delta syncs are the table's syncCalendar jobs). */
export const PUSH_SUBSCRIPTION = 'pushSubscription';
export const RENEW_SUBSCRIPTIONS = 'renewSubscriptions';

/** One item of a Graph notification collection (only what hanvisa reads; the rest is ignored). */
const notificationItem = z.looseObject({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(256).nullish(),
  tenantId: z.string().max(100).nullish(),
  changeType: z.string().max(100).nullish(),
  lifecycleEvent: z.string().max(100).nullish(),
});

/** Graph's changeNotificationCollection: `{ value: [...] }`. */
export const notificationCollection = z.looseObject({ value: z.array(z.unknown()).max(1000) });

export interface PushReceiverDependencies {
  readonly store: PushSubscriptionStore;
  readonly queue: JobQueue;
  /** The job that delta-syncs one calendar (the table's syncCalendar): push and poll share its lock and dedup. */
  readonly syncRequest: (calendar: string) => JobRequest;
  readonly metrics?: PushMetrics;
  /** Notifications for one mailbox within this window coalesce into one delta sync. */
  readonly coalesceMs: number;
  /** The app's tenant id (a GUID, lower case): a notification naming another one is refused. Null: not checked. */
  readonly tenantId: string | null;
}

/** What one POST carried: how many items were verified and acted on, how many refused. */
export interface ReceiveCounts {
  readonly accepted: number;
  readonly refused: number;
}

type Refusal = 'unknownSubscription' | 'clientState' | 'tenant' | 'malformed';

/** Constant-time comparison of the SHA-256 of what came with what is stored. */
function clientStateMatches(given: string | null | undefined, record: PushSubscription): boolean {
  const expected = Buffer.from(record.clientStateHash, 'hex');
  const actual = Buffer.from(clientStateHash(given ?? ''), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

async function verify(
  deps: PushReceiverDependencies,
  raw: unknown,
): Promise<
  | { ok: true; record: PushSubscription; item: z.infer<typeof notificationItem> }
  | { ok: false; reason: Refusal }
> {
  const parsed = notificationItem.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const item = parsed.data;
  const record = await deps.store.bySubscriptionId(item.subscriptionId);
  if (record === null) return { ok: false, reason: 'unknownSubscription' };
  if (!clientStateMatches(item.clientState, record)) return { ok: false, reason: 'clientState' };
  if (deps.tenantId !== null && item.tenantId != null && item.tenantId.toLowerCase() !== deps.tenantId)
    return { ok: false, reason: 'tenant' };
  return { ok: true, record, item };
}

/**
 * Handles one POST of Graph notifications: verifies every item (a subscription hanvisa holds,
 * its clientState, the tenant) and only enqueues work; nothing is synced here, so Graph gets its
 * answer within its 3 s limit. Change notifications mark the mailbox notified (the earliest time
 * is kept) and enqueue its delta sync, delayed by `coalesceMs`, so a burst coalesces with the job
 * already waiting (one key: push and the scheduled poll never sync a mailbox twice at once);
 * lifecycle notifications
 * enqueue a renewal (`reauthorizationRequired`), a new subscription (`subscriptionRemoved`) or an
 * immediate delta sync (`missed`). Refused items are counted by reason and never acted on.
 */
export async function receiveNotifications(
  deps: PushReceiverDependencies,
  items: readonly unknown[],
  receivedAt: Instant,
): Promise<ReceiveCounts> {
  let accepted = 0;
  let refused = 0;
  const syncs = new Map<string, number>();
  const refreshes = new Map<string, 'renew' | 'recreate'>();
  const verified = await Promise.all(items.map((item) => verify(deps, item)));
  for (const result of verified) {
    if (!result.ok) {
      refused++;
      deps.metrics?.refused.inc({ reason: result.reason });
      continue;
    }
    accepted++;
    const calendar = result.record.calendar;
    const event = result.item.lifecycleEvent;
    deps.metrics?.received.inc({ kind: event ?? 'change' });
    if (event === 'reauthorizationRequired') refreshes.set(calendar, 'renew');
    else if (event === 'subscriptionRemoved') refreshes.set(calendar, 'recreate');
    else if (event === 'missed') syncs.set(calendar, 0);
    else if (event == null)
      syncs.set(calendar, Math.min(syncs.get(calendar) ?? deps.coalesceMs, deps.coalesceMs));
  }
  await Promise.all([
    ...[...syncs].map(async ([calendar, delayMs]) => {
      await deps.store.markNotified(calendar, receivedAt);
      await deps.queue.enqueue(deps.syncRequest(calendar), { delayMs });
    }),
    ...[...refreshes].map(([calendar, action]) =>
      deps.queue.enqueue({ kind: PUSH_SUBSCRIPTION, data: { calendar, action } }),
    ),
  ]);
  return { accepted, refused };
}
