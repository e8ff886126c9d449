import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPushStore } from '../../../src/adapters/stores/memory-push-store.js';
import { PUSH_SUBSCRIPTION } from '../../../src/app/push/push-receiver.js';
import { maintainSubscriptions } from '../../../src/app/push/push-subscriptions.js';
import { HOUR, metricValue, type PushHarness, pushHarness } from './push-test-kit.js';

const U0 = 'u0@bench.example';
const U1 = 'u1@bench.example';
const tomorrowAt10 = () => Math.floor(Date.now() / HOUR) * HOUR + 26 * HOUR;

let harness: PushHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

/** A harness whose mailboxes are first-synced and subscribed. */
async function subscribed(options: Parameters<typeof pushHarness>[0] = {}): Promise<PushHarness> {
  const h = await pushHarness(options);
  harness = h;
  await h.pollAll();
  const counts = await maintainSubscriptions(h.subscriptions, Date.now());
  expect(counts).toMatchObject({ created: 4, failed: 0 });
  h.mock.resetStats();
  return h;
}

describe('Graph change notifications: the receiver against a mock Graph that calls back', () => {
  it('answers the validation handshake with the token as text/plain 200, on both URLs', async () => {
    const h = await pushHarness();
    harness = h;
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 42';
    for (const path of ['/graph/notifications', '/graph/lifecycle']) {
      const response = await fetch(`${h.service.url}${path}?validationToken=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe(token);
    }
    // and Graph's own handshake (the mock validates both URLs before it creates)
    await maintainSubscriptions(h.subscriptions, Date.now());
    expect(h.mock.stats.validationsSent).toBe(8);
    expect(h.mock.subscriptions()).toHaveLength(4);
  });

  it('creates one subscription per mailbox on /users/{id}/events, with lifecycle URL, expiry well inside 10,080 minutes, clientState only hashed', async () => {
    const h = await subscribed();
    const subscriptions = h.mock.subscriptions();
    expect(subscriptions.map((item) => item.mailbox).sort()).toEqual([
      U0,
      U1,
      'u2@bench.example',
      'u3@bench.example',
    ]);
    for (const item of subscriptions) {
      expect(item.resource).toBe(`/users/${encodeURIComponent(item.mailbox)}/events`);
      expect(item.changeType).toBe('created,updated,deleted');
      expect(item.notificationUrl).toBe(`${h.service.url}/graph/notifications`);
      expect(item.lifecycleNotificationUrl).toBe(`${h.service.url}/graph/lifecycle`);
      expect(item.expiresAt - Date.now()).toBeLessThanOrEqual(72 * HOUR);
      expect(item.clientState?.length).toBeGreaterThanOrEqual(40);
      const record = await h.store.bySubscriptionId(item.id);
      expect(record?.clientStateHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(record)).not.toContain(item.clientState);
    }
    expect(new Set(subscriptions.map((item) => item.clientState)).size).toBe(4);
    expect(await metricValue(h.registry, 'hanvisa_push_subscriptions', { state: 'active' })).toBe(4);
  });

  it('create → notify → one delta sync → referral', async () => {
    const h = await subscribed();
    const start = tomorrowAt10();
    await h.mock.addEvent(U0, { subject: 'MÖT: Kundmöte', start, end: start + HOUR });
    await h.jobs.drain();
    expect(h.mock.stats.notificationsFailed).toBe(0);
    expect(h.mock.deltaRequests(U0)).toBe(1);
    expect(h.mock.deltaRequests(U1)).toBe(0);
    expect(h.syncs()).toBe(1);
    const entries = await h.sink.list({ employee: 'e0' });
    expect(entries.find((entry) => entry.start === start)).toMatchObject({
      reason: 'meeting',
      label: 'Möte',
    });
    expect(
      await metricValue(h.registry, 'hanvisa_push_notifications_received_total', { kind: 'change' }),
    ).toBe(1);
    expect(await metricValue(h.registry, 'hanvisa_push_notification_to_referral_seconds')).toBe(1);
  });

  it('a burst of 50 notifications for one mailbox → one delta sync', async () => {
    const h = await subscribed();
    const start = tomorrowAt10();
    await h.mock.addEvent(U0, { subject: 'MÖT: Planering', start, end: start + HOUR }, { notify: false });
    const statuses = await h.mock.notify(U0, { count: 50 });
    expect(statuses).toEqual(Array(50).fill(202));
    await h.jobs.drain();
    expect(h.mock.deltaRequests(U0)).toBe(1);
    expect(h.syncs()).toBe(1);
    expect(
      await metricValue(h.registry, 'hanvisa_push_notifications_received_total', { kind: 'change' }),
    ).toBe(50);
    expect((await h.sink.list({ employee: 'e0' })).some((entry) => entry.start === start)).toBe(true);
  });

  it('a wrong clientState is refused (403) and counted, and nothing is synced', async () => {
    const h = await subscribed();
    const start = tomorrowAt10();
    await h.mock.addEvent(U0, { subject: 'MÖT: Planering', start, end: start + HOUR }, { notify: false });
    const statuses = await h.mock.notify(U0, { count: 3, clientState: 'forged' });
    expect(statuses).toEqual([403, 403, 403]);
    const unknown = await fetch(`${h.service.url}/graph/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [{ subscriptionId: 'not-ours', clientState: 'x', changeType: 'updated' }],
      }),
    });
    expect(unknown.status).toBe(403);
    await h.jobs.drain();
    expect(h.ran).toEqual([]);
    expect(h.mock.deltaRequests(U0)).toBe(0);
    expect((await h.sink.list({ employee: 'e0' })).some((entry) => entry.start === start)).toBe(false);
    expect(
      await metricValue(h.registry, 'hanvisa_push_notifications_refused_total', { reason: 'clientState' }),
    ).toBe(3);
    expect(
      await metricValue(h.registry, 'hanvisa_push_notifications_refused_total', {
        reason: 'unknownSubscription',
      }),
    ).toBe(1);
    expect(await metricValue(h.registry, 'hanvisa_push_notifications_received_total')).toBe(0);
  });

  it('refuses a body over the limit (413) and one that is not a notification collection (400)', async () => {
    const h = await pushHarness();
    harness = h;
    const big = await fetch(`${h.service.url}/graph/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId: 'x', clientState: 'y'.repeat(70_000) }] }),
    });
    expect(big.status).toBe(413);
    const odd = await fetch(`${h.service.url}/graph/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(odd.status).toBe(400);
    expect(h.ran).toEqual([]);
  });

  it('missed → a catch-up delta sync at once', async () => {
    const h = await subscribed();
    const start = tomorrowAt10();
    await h.mock.addEvent(U0, { subject: 'MÖT: Missad', start, end: start + HOUR }, { notify: false });
    expect(await h.mock.lifecycle(U0, 'missed')).toEqual([202]);
    await h.jobs.drain();
    expect(h.mock.deltaRequests(U0)).toBe(1);
    expect(h.ran).toEqual([{ kind: 'syncCalendar', data: { calendarId: 'e0/graph-1' }, status: 'synced' }]);
    expect((await h.sink.list({ employee: 'e0' })).some((entry) => entry.start === start)).toBe(true);
  });

  it('subscriptionRemoved → recreated (a new id and clientState; the old id is refused)', async () => {
    const h = await subscribed();
    const before = h.mock.subscriptions().find((item) => item.mailbox === U1);
    expect(await h.mock.lifecycle(U1, 'subscriptionRemoved')).toEqual([202]);
    await h.jobs.drain();
    expect(h.ran.filter((item) => item.kind === PUSH_SUBSCRIPTION)).toHaveLength(1);
    const after = h.mock.subscriptions().filter((item) => item.mailbox === U1);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).not.toBe(before?.id);
    expect(after[0]?.clientState).not.toBe(before?.clientState);
    expect((await h.store.get('e1/graph-1'))?.subscriptionId).toBe(after[0]?.id);
    expect(await h.store.bySubscriptionId(before?.id ?? '')).toBeNull();
    expect(h.mock.subscriptions()).toHaveLength(4);
  });

  it('reauthorizationRequired → renewed (PATCH), not recreated', async () => {
    const h = await subscribed();
    expect(await h.mock.lifecycle(U0, 'reauthorizationRequired')).toEqual([202]);
    await h.jobs.drain();
    expect(h.mock.stats.subscriptionsRenewed).toBe(1);
    expect(h.mock.stats.subscriptionsCreated).toBe(0);
  });

  it('a restart finds the subscriptions in the store: no duplicates, and renewals continue', async () => {
    const store = new MemoryPushStore();
    const h = await subscribed({ store });
    const restarted = h.restartedManager();
    expect(await maintainSubscriptions(restarted, Date.now())).toMatchObject({ created: 0, renewed: 0 });
    expect(h.mock.stats.subscriptionsCreated).toBe(0);
    // a day later (less than 48 h left of 72 h): every subscription is renewed, none created
    const later = Date.now() + 25 * HOUR;
    expect(await maintainSubscriptions(restarted, later)).toMatchObject({
      created: 0,
      renewed: 4,
      failed: 0,
    });
    expect(h.mock.subscriptions()).toHaveLength(4);
    for (const item of h.mock.subscriptions()) expect(item.expiresAt).toBe(later + 72 * HOUR);
  });

  it('creates gradually: at most maxCreatesPerRun per run, the rest in later runs', async () => {
    const h = await pushHarness();
    harness = h;
    const gradual = { ...h.subscriptions, maxCreatesPerRun: 3 };
    expect(await maintainSubscriptions(gradual, Date.now())).toMatchObject({ created: 3, deferred: 1 });
    expect(await maintainSubscriptions(gradual, Date.now())).toMatchObject({ created: 1, deferred: 0 });
    expect(h.mock.subscriptions()).toHaveLength(4);
  });

  it('deletes the subscription of a mailbox that left the directory', async () => {
    const h = await subscribed();
    const fewer = {
      ...h.subscriptions,
      calendars: () => h.config.calendars.filter((item) => item.employee !== 'e2'),
    };
    expect(await maintainSubscriptions(fewer, Date.now())).toMatchObject({ removed: 1 });
    expect(h.mock.subscriptions().map((item) => item.mailbox)).not.toContain('u2@bench.example');
    expect(h.mock.stats.subscriptionsDeleted).toBe(1);
    expect(await h.store.get('e2/graph-1')).toBeNull();
  });

  it('a mailbox whose subscription cannot be created falls back to the normal poll, shown in metrics; healthy ones get the safety poll', async () => {
    const h = await subscribed();
    const ghost = {
      id: 'ghost/graph-1',
      employee: 'ghost',
      kind: 'graph' as const,
      address: 'ghost@bench.example',
    };
    const withGhost = { ...h.subscriptions, calendars: () => [...h.config.calendars, ghost] };
    expect(await maintainSubscriptions(withGhost, Date.now())).toMatchObject({ created: 0, failed: 1 });
    const record = await h.store.get('ghost/graph-1');
    expect(record).toMatchObject({ status: 'failing', failures: 1, subscriptionId: null });
    expect(record?.lastError).toMatch(/ghost\/graph-1/);
    expect(record?.lastError).not.toMatch(/ghost@/);
    expect(await metricValue(h.registry, 'hanvisa_push_subscriptions', { state: 'failing' })).toBe(1);
    expect(await metricValue(h.registry, 'hanvisa_push_subscriptions', { state: 'active' })).toBe(4);
    // before its retry time nothing is tried again
    expect(await maintainSubscriptions(withGhost, Date.now() + 60_000)).toMatchObject({
      waiting: 1,
      failed: 0,
    });

    // the scheduled poll: the healthy mailboxes were synced just now, so only the failing one is polled…
    h.mock.resetStats();
    const ghostPolled: string[] = [];
    const poll = (calendar: string, now: number) =>
      h.push.aroundSync(calendar, now, async () => {
        ghostPolled.push(calendar);
        return { status: 'synced' };
      });
    await poll('ghost/graph-1', Date.now());
    await h.slot();
    expect(h.ran.map((item) => item.status)).toEqual(['pushed', 'pushed', 'pushed', 'pushed']);
    expect(ghostPolled).toEqual(['ghost/graph-1']);
    expect(h.mock.deltaRequests(U0)).toBe(0);
    // …and a healthy one again once its last success is safetyPoll old
    await poll('e0/graph-1', Date.now() + HOUR);
    expect(ghostPolled).toEqual(['ghost/graph-1', 'e0/graph-1']);
  });

  it('a failing subscription that is still live at Graph is replaced, not duplicated', async () => {
    const h = await subscribed();
    const record = await h.store.get('e3/graph-1');
    expect(record?.status).toBe('active');
    // a renewal that Graph refused for good: failing, retry due, the old subscription still live
    await h.store.put({
      ...(record as NonNullable<typeof record>),
      status: 'failing',
      failures: 1,
      retryAt: Date.now(),
    });
    expect(await maintainSubscriptions(h.subscriptions, Date.now() + 1_000)).toMatchObject({
      created: 1,
      failed: 0,
    });
    expect(h.mock.stats.subscriptionsDeleted).toBe(1);
    expect(h.mock.subscriptions().filter((item) => item.mailbox === 'u3@bench.example')).toHaveLength(1);
    expect(h.mock.subscriptions()).toHaveLength(4);
    expect((await h.store.get('e3/graph-1'))?.subscriptionId).not.toBe(record?.subscriptionId);
  });

  it('an entry deleted behind hanvisa’s back is restored in the next slot, though the mailbox is on push', async () => {
    const h = await subscribed();
    const [entry] = await h.sink.list({ calendar: 'e1/graph-1' });
    expect(entry).toBeDefined();
    await h.sink.apply({
      calendar: 'e1/graph-1',
      creates: [],
      updates: [],
      deletes: [entry as NonNullable<typeof entry>],
      unchanged: 0,
      refused: null,
    });
    await h.slot();
    expect(h.ran.filter((item) => item.status !== 'pushed').map((item) => item.data)).toEqual([
      { calendarId: 'e1/graph-1' },
    ]);
    expect((await h.sink.list({ calendar: 'e1/graph-1' })).map((item) => item.id)).toContain(entry?.id);
  });
});
