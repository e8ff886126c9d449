import { describe, expect, it } from 'vitest';
import type { PushSubscription, PushSubscriptionStore } from '../../src/app/ports/push-subscription-store.js';

export interface PushStoreFactory {
  readonly name: string;
  create(): Promise<{ store: PushSubscriptionStore; dispose: () => Promise<void> }>;
}

const record = (calendar: string, fields: Partial<PushSubscription> = {}): PushSubscription => ({
  calendar,
  subscriptionId: `sub-${calendar}`,
  clientStateHash: 'a'.repeat(64),
  expiresAt: 1_000_000,
  status: 'active',
  failures: 0,
  retryAt: null,
  lastError: null,
  createdAt: 500,
  updatedAt: 500,
  ...fields,
});

/** The PushSubscriptionStore contract, run against every implementation. */
export function pushStoreContract(factory: PushStoreFactory): void {
  describe(`PushSubscriptionStore contract: ${factory.name}`, () => {
    const withStore = async (body: (store: PushSubscriptionStore) => Promise<void>) => {
      const { store, dispose } = await factory.create();
      try {
        await body(store);
      } finally {
        await dispose();
      }
    };

    it('stores one record per calendar and finds it by calendar and by subscription id', () =>
      withStore(async (store) => {
        await store.put(record('anna/graph-1'));
        await store.put(record('bo/graph-1', { status: 'failing', subscriptionId: null, failures: 2 }));
        expect(await store.get('anna/graph-1')).toEqual(record('anna/graph-1'));
        expect(await store.bySubscriptionId('sub-anna/graph-1')).toEqual(record('anna/graph-1'));
        expect(await store.get('nobody')).toBeNull();
        expect(await store.bySubscriptionId('sub-nobody')).toBeNull();
        expect(await store.counts()).toEqual({ active: 1, failing: 1 });
        expect((await store.list()).map((item) => item.calendar).sort()).toEqual([
          'anna/graph-1',
          'bo/graph-1',
        ]);
      }));

    it('a replaced subscription id no longer resolves; put twice changes nothing', () =>
      withStore(async (store) => {
        await store.put(record('anna/graph-1'));
        await store.put(record('anna/graph-1', { subscriptionId: 'sub-new', expiresAt: 2_000_000 }));
        await store.put(record('anna/graph-1', { subscriptionId: 'sub-new', expiresAt: 2_000_000 }));
        expect(await store.bySubscriptionId('sub-anna/graph-1')).toBeNull();
        expect((await store.bySubscriptionId('sub-new'))?.expiresAt).toBe(2_000_000);
        expect(await store.list()).toHaveLength(1);
      }));

    it('remove forgets the record and its id', () =>
      withStore(async (store) => {
        await store.put(record('anna/graph-1'));
        await store.remove('anna/graph-1');
        await store.remove('anna/graph-1');
        expect(await store.get('anna/graph-1')).toBeNull();
        expect(await store.bySubscriptionId('sub-anna/graph-1')).toBeNull();
        expect(await store.counts()).toEqual({ active: 0, failing: 0 });
      }));

    it('keeps the earliest pending notification until it is taken, once', () =>
      withStore(async (store) => {
        expect(await store.takeNotified('anna/graph-1')).toBeNull();
        await store.markNotified('anna/graph-1', 100);
        await store.markNotified('anna/graph-1', 200);
        await store.markNotified('bo/graph-1', 300);
        expect(await store.takeNotified('anna/graph-1')).toBe(100);
        expect(await store.takeNotified('anna/graph-1')).toBeNull();
        await store.markNotified('anna/graph-1', 400);
        expect(await store.takeNotified('anna/graph-1')).toBe(400);
        expect(await store.takeNotified('bo/graph-1')).toBe(300);
      }));
  });
}
