import { describe, expect, it } from 'vitest';
import { MemoryPushStore } from '../../../src/adapters/stores/memory-push-store.js';
import type { JobQueue, JobRequest } from '../../../src/app/jobs/job-kind.js';
import { receiveNotifications } from '../../../src/app/push/push-receiver.js';
import { clientStateHash } from '../../../src/app/push/push-subscriptions.js';

const TENANT = '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77';

async function setup() {
  const store = new MemoryPushStore();
  for (const [calendar, id, secret] of [
    ['e0/graph-1', 'sub-0', 'secret-0'],
    ['e1/graph-1', 'sub-1', 'secret-1'],
  ] as const) {
    await store.put({
      calendar,
      subscriptionId: id,
      clientStateHash: clientStateHash(secret),
      expiresAt: 10_000_000,
      status: 'active',
      failures: 0,
      retryAt: null,
      lastError: null,
      createdAt: 0,
      updatedAt: 0,
    });
  }
  const enqueued: { request: JobRequest; delayMs: number | undefined }[] = [];
  const queue: JobQueue = {
    async enqueue(request, options) {
      enqueued.push({ request, delayMs: options?.delayMs });
    },
  };
  const deps = {
    store,
    queue,
    syncRequest: (calendarId: string) => ({ kind: 'syncCalendar', data: { calendarId } }),
    coalesceMs: 2_000,
    tenantId: TENANT,
  };
  return { store, enqueued, deps };
}

describe('receiveNotifications (verify, then only enqueue)', () => {
  it('one delayed sync per mailbox in a body, the earliest time marked; lifecycle events map to their work', async () => {
    const { store, enqueued, deps } = await setup();
    const counts = await receiveNotifications(
      deps,
      [
        { subscriptionId: 'sub-0', clientState: 'secret-0', changeType: 'created', tenantId: TENANT },
        {
          subscriptionId: 'sub-0',
          clientState: 'secret-0',
          changeType: 'updated',
          tenantId: TENANT.toUpperCase(),
        },
        { subscriptionId: 'sub-1', clientState: 'secret-1', lifecycleEvent: 'reauthorizationRequired' },
      ],
      1_000,
    );
    expect(counts).toEqual({ accepted: 3, refused: 0 });
    expect(enqueued).toHaveLength(2);
    expect(enqueued).toContainEqual({
      request: { kind: 'syncCalendar', data: { calendarId: 'e0/graph-1' } },
      delayMs: 2_000,
    });
    expect(enqueued).toContainEqual({
      request: { kind: 'pushSubscription', data: { calendar: 'e1/graph-1', action: 'renew' } },
      delayMs: undefined,
    });
    await receiveNotifications(deps, [{ subscriptionId: 'sub-0', clientState: 'secret-0' }], 5_000);
    expect(await store.takeNotified('e0/graph-1')).toBe(1_000);
    await receiveNotifications(
      deps,
      [{ subscriptionId: 'sub-1', clientState: 'secret-1', lifecycleEvent: 'missed' }],
      6_000,
    );
    expect(enqueued.at(-1)).toEqual({
      request: { kind: 'syncCalendar', data: { calendarId: 'e1/graph-1' } },
      delayMs: 0,
    });
  });

  it('refuses, never acts on: unknown subscription, wrong or missing clientState, another tenant, malformed', async () => {
    const { store, enqueued, deps } = await setup();
    const counts = await receiveNotifications(
      deps,
      [
        { subscriptionId: 'sub-9', clientState: 'secret-0' },
        { subscriptionId: 'sub-0', clientState: 'secret-1' },
        { subscriptionId: 'sub-0' },
        {
          subscriptionId: 'sub-0',
          clientState: 'secret-0',
          tenantId: '00000000-0000-0000-0000-000000000000',
        },
        { clientState: 'secret-0' },
        'hello',
      ],
      1_000,
    );
    expect(counts).toEqual({ accepted: 0, refused: 6 });
    expect(enqueued).toEqual([]);
    expect(await store.takeNotified('e0/graph-1')).toBeNull();
  });
});
