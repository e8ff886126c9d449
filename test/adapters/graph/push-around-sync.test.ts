import { describe, expect, it } from 'vitest';
import { MemoryPushStore } from '../../../src/adapters/stores/memory-push-store.js';
import { MemoryStateStore } from '../../../src/adapters/stores/memory-state-store.js';
import { pushAroundSync } from '../../../src/app/push/push-jobs.js';
import { TransientError } from '../../../src/domain/errors.js';

const HOUR = 3_600_000;
const NOW = 100 * HOUR;

async function setup() {
  const store = new MemoryPushStore();
  const state = new MemoryStateStore();
  await store.put({
    calendar: 'e0/graph-1',
    subscriptionId: 'sub-0',
    clientStateHash: 'a'.repeat(64),
    expiresAt: NOW + 48 * HOUR,
    status: 'active',
    failures: 0,
    retryAt: null,
    lastError: null,
    createdAt: 0,
    updatedAt: 0,
  });
  await state.putSyncState({
    calendar: 'e0/graph-1',
    cursor: null,
    lastSyncAt: NOW - 60_000,
    lastSuccessAt: NOW - 60_000,
    lastError: null,
    registerDigest: null,
  });
  return { store, state, around: pushAroundSync({ store, state, safetyPollMs: HOUR, clock: () => NOW }) };
}

describe('pushAroundSync (the syncCalendar handler with push)', () => {
  it('skips a healthy push mailbox without a notification; a notification runs it', async () => {
    const { store, around } = await setup();
    let runs = 0;
    const sync = async () => {
      runs++;
      return { status: 'synced' };
    };
    expect(await around('e0/graph-1', NOW, sync)).toEqual({ status: 'pushed' });
    await store.markNotified('e0/graph-1', NOW - 1_000);
    expect(await around('e0/graph-1', NOW, sync)).toEqual({ status: 'synced' });
    expect(runs).toBe(1);
    expect(await store.takeNotified('e0/graph-1')).toBeNull();
  });

  it('a notification that arrives while the sync runs makes it run again (bounded)', async () => {
    const { store, around } = await setup();
    await store.markNotified('e0/graph-1', NOW - 1_000);
    let runs = 0;
    await around('e0/graph-1', NOW, async () => {
      runs++;
      if (runs === 1) await store.markNotified('e0/graph-1', NOW - 500);
      return { status: 'synced' };
    });
    expect(runs).toBe(2);
    runs = 0;
    await store.markNotified('e0/graph-1', NOW);
    await around('e0/graph-1', NOW, async () => {
      runs++;
      await store.markNotified('e0/graph-1', NOW);
      return { status: 'synced' };
    });
    expect(runs).toBe(3);
    // the last one stays marked: the next job or slot runs it
    expect(await store.takeNotified('e0/graph-1')).toBe(NOW);
  });

  it('a sync that throws puts its notification back, so the retry runs it', async () => {
    const { store, around } = await setup();
    await store.markNotified('e0/graph-1', NOW - 1_000);
    await expect(
      around('e0/graph-1', NOW, async () => {
        throw new TransientError('calendar e0/graph-1: Graph is busy');
      }),
    ).rejects.toThrow(TransientError);
    expect(await store.takeNotified('e0/graph-1')).toBe(NOW - 1_000);
  });

  it('a healthy push mailbox whose register entries drifted is synced in the next slot (drift repair)', async () => {
    const { store, state } = await setup();
    let digest = 'same';
    await state.putSyncState({ ...(await state.getSyncState('e0/graph-1'))!, registerDigest: 'same' });
    const around = pushAroundSync({
      store,
      state,
      safetyPollMs: HOUR,
      clock: () => NOW,
      registerDigestOf: async () => digest,
    });
    const sync = async () => ({ status: 'synced' });
    expect(await around('e0/graph-1', NOW, sync)).toEqual({ status: 'pushed' });
    digest = 'changed behind hanvisa';
    expect(await around('e0/graph-1', NOW, sync)).toEqual({ status: 'synced' });
  });
});
