import { createHash, randomBytes } from 'node:crypto';
import { isTransient } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { type PushTiming, subscriptionRetryDelayMs, subscriptionStep } from '../../domain/push-plan.js';
import type { CalendarRef } from '../ports/calendar-source.js';
import type { PushSubscriptionApi } from '../ports/push-subscription-api.js';
import type { PushSubscription, PushSubscriptionStore } from '../ports/push-subscription-store.js';
import { describeError } from '../privacy.js';
import type { PushMetrics } from './push-metrics.js';

/** Everything the subscription manager needs, wired by the composition root. */
export interface PushSubscriptionDependencies {
  /** The Graph calendars of the directory now (push covers Graph mailboxes only). */
  readonly calendars: () => readonly CalendarRef[];
  readonly store: PushSubscriptionStore;
  readonly api: PushSubscriptionApi;
  readonly timing: PushTiming;
  /** At most this many subscriptions are created per run (gradual: no stampede at 10,000 mailboxes). */
  readonly maxCreatesPerRun: number;
  /** Graph requests of one run in flight at once (Graph's own limits apply on top). */
  readonly concurrency: number;
  readonly metrics?: PushMetrics;
  /** Tests: the random clientState. */
  readonly secret?: () => string;
  /** Told about every failed Graph operation (the calendar id and a redacted message), for the log. */
  readonly onFailure?: (calendar: string, message: string) => void;
}

/** What one maintenance run did (counts only: job outcomes are stored in Redis). */
export interface MaintenanceCounts {
  created: number;
  renewed: number;
  removed: number;
  failed: number;
  /** Creations left for the next runs (beyond `maxCreatesPerRun`). */
  deferred: number;
  /** Failing subscriptions still waiting for their retry time. */
  waiting: number;
}

/** SHA-256 hex of a clientState: what the store keeps and the receiver compares. */
export function clientStateHash(clientState: string): string {
  return createHash('sha256').update(clientState, 'utf8').digest('hex');
}

/** A random clientState: 32 random bytes, base64url (43 characters; Graph allows 128). */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
}

/**
 * Creates a new subscription for a calendar (a new random clientState; a still-unexpired one it
 * replaces is deleted first, so Graph never notifies twice), or records why it could not: the record turns `failing` with a retry time, so the mailbox falls back to the normal poll
 * and the next run tries again (5 min, doubling, at most 6 h). Never throws for Graph's answer.
 */
export async function createSubscription(
  deps: PushSubscriptionDependencies,
  calendar: CalendarRef,
  before: PushSubscription | null,
  now: Instant,
): Promise<'created' | 'failed'> {
  const clientState = (deps.secret ?? newClientState)();
  if (before?.subscriptionId != null && before.expiresAt !== null && before.expiresAt > now) {
    // One subscription per mailbox: the one being replaced goes first (gone already counts as deleted).
    await deps.api.remove(calendar, before.subscriptionId).catch((error: unknown) => {
      deps.onFailure?.(calendar.id, describeError(error));
    });
  }
  try {
    const created = await deps.api.create(calendar, {
      clientState,
      expiresAt: now + deps.timing.lifetimeMs,
    });
    await deps.store.put({
      calendar: calendar.id,
      subscriptionId: created.id,
      clientStateHash: clientStateHash(clientState),
      expiresAt: created.expiresAt,
      status: 'active',
      failures: 0,
      retryAt: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    });
    deps.metrics?.subscriptionChanges.inc({ change: 'created' });
    return 'created';
  } catch (error) {
    deps.onFailure?.(calendar.id, describeError(error));
    const failures = (before?.failures ?? 0) + 1;
    await deps.store.put({
      calendar: calendar.id,
      subscriptionId: null,
      clientStateHash: '',
      expiresAt: null,
      status: 'failing',
      failures,
      retryAt: now + subscriptionRetryDelayMs(failures),
      lastError: describeError(error),
      createdAt: before?.createdAt ?? null,
      updatedAt: now,
    });
    deps.metrics?.subscriptionChanges.inc({ change: 'failed' });
    return 'failed';
  }
}

/**
 * Extends an active subscription by `lifetimeMs`. Graph no longer knowing it (404) means
 * create a new one. A transient failure keeps the record active (it is still within
 * `renewBeforeMs` of expiring, so the next run tries again); a permanent one marks it failing.
 */
export async function renewSubscription(
  deps: PushSubscriptionDependencies,
  calendar: CalendarRef,
  record: PushSubscription,
  now: Instant,
): Promise<'renewed' | 'created' | 'failed'> {
  if (record.subscriptionId === null) return createSubscription(deps, calendar, record, now);
  try {
    const renewed = await deps.api.renew(calendar, record.subscriptionId, now + deps.timing.lifetimeMs);
    if (renewed === 'gone') return createSubscription(deps, calendar, record, now);
    await deps.store.put({
      ...record,
      expiresAt: renewed.expiresAt,
      status: 'active',
      failures: 0,
      retryAt: null,
      lastError: null,
      updatedAt: now,
    });
    deps.metrics?.subscriptionChanges.inc({ change: 'renewed' });
    return 'renewed';
  } catch (error) {
    deps.onFailure?.(calendar.id, describeError(error));
    const failures = record.failures + 1;
    const stillValid = isTransient(error) && record.expiresAt !== null && record.expiresAt > now;
    await deps.store.put({
      ...record,
      status: stillValid ? 'active' : 'failing',
      failures,
      retryAt: stillValid ? null : now + subscriptionRetryDelayMs(failures),
      lastError: describeError(error),
      updatedAt: now,
    });
    deps.metrics?.subscriptionChanges.inc({ change: 'failed' });
    return 'failed';
  }
}

/**
 * One run of `renewSubscriptions` (every schedule slot, one run at a time across processes):
 * deletes the subscriptions of calendars that left the directory, renews those with less than
 * `renewBeforeMs` left, and creates missing or failed ones, at most `maxCreatesPerRun` per run.
 * Everything it decides comes from the shared store, so a restarted or different host continues
 * where the last one stopped, and a subscription that exists is never created twice.
 */
export async function maintainSubscriptions(
  deps: PushSubscriptionDependencies,
  now: Instant,
): Promise<MaintenanceCounts> {
  const counts: MaintenanceCounts = {
    created: 0,
    renewed: 0,
    removed: 0,
    failed: 0,
    deferred: 0,
    waiting: 0,
  };
  const calendars = deps.calendars().filter((calendar) => calendar.kind === 'graph');
  const known = new Set(calendars.map((calendar) => calendar.id));
  const records = new Map((await deps.store.list()).map((record) => [record.calendar, record]));

  const leaving = [...records.values()].filter((record) => !known.has(record.calendar));
  await pool(leaving, deps.concurrency, async (record) => {
    try {
      if (record.subscriptionId !== null) await deps.api.remove(null, record.subscriptionId);
      await deps.store.remove(record.calendar);
      deps.metrics?.subscriptionChanges.inc({ change: 'removed' });
      counts.removed++;
    } catch (error) {
      // Kept for the next run: Graph drops it at its expiry anyway, and its notifications are refused.
      deps.onFailure?.(record.calendar, describeError(error));
      counts.failed++;
    }
  });

  const renewals: { calendar: CalendarRef; record: PushSubscription }[] = [];
  const creations: CalendarRef[] = [];
  for (const calendar of [...calendars].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const record = records.get(calendar.id) ?? null;
    const step = subscriptionStep(record, now, deps.timing);
    if (step === 'renew' && record !== null) renewals.push({ calendar, record });
    else if (step === 'create') creations.push(calendar);
    else if (step === 'wait') counts.waiting++;
  }
  const allowed = creations.slice(0, deps.maxCreatesPerRun);
  counts.deferred = creations.length - allowed.length;

  await pool(renewals, deps.concurrency, async ({ calendar, record }) => {
    const outcome = await renewSubscription(deps, calendar, record, now);
    if (outcome === 'failed') counts.failed++;
    else counts[outcome === 'renewed' ? 'renewed' : 'created']++;
  });
  await pool(allowed, deps.concurrency, async (calendar) => {
    const outcome = await createSubscription(deps, calendar, records.get(calendar.id) ?? null, now);
    if (outcome === 'failed') counts.failed++;
    else counts.created++;
  });
  return counts;
}

/**
 * A lifecycle notification's work for one calendar: `renew` (reauthorizationRequired: a PATCH
 * reauthorizes) or `recreate` (subscriptionRemoved: Graph dropped it). A calendar that left
 * the directory meanwhile is skipped.
 */
export async function refreshSubscription(
  deps: PushSubscriptionDependencies,
  calendarId: string,
  action: 'renew' | 'recreate',
  now: Instant,
): Promise<'renewed' | 'created' | 'failed' | 'skipped'> {
  const calendar = deps.calendars().find((item) => item.id === calendarId && item.kind === 'graph');
  if (calendar === undefined) return 'skipped';
  const record = await deps.store.get(calendarId);
  if (action === 'renew' && record !== null && record.status === 'active')
    return renewSubscription(deps, calendar, record, now);
  return createSubscription(deps, calendar, record, now);
}
