import { afterEach, describe, expect, it } from 'vitest';
import type { Finding, StateStore } from '../../src/app/ports/state-store.js';

/** One contract for every StateStore (memory, SQLite, Redis). */
export interface StateStoreFactory {
  readonly name: string;
  create(): Promise<{ store: StateStore; dispose: () => Promise<void> }>;
}

const T0 = Date.UTC(2026, 10, 30, 7, 0);

function finding(key: string, occurrenceStart: number, employee = 'anna'): Finding {
  return {
    key,
    rule: 'lateEntry',
    kind: 'late',
    employee,
    calendar: `${employee}/ics-1`,
    eventUid: `uid-${key}`,
    occurrenceStart,
    foundAt: T0,
    details: { code: 'MÖT', approximate: false, enteredAt: T0 },
  };
}

export function stateStoreContract(factory: StateStoreFactory): void {
  describe(`StateStore contract: ${factory.name}`, () => {
    let dispose: (() => Promise<void>) | null = null;
    const open = async () => {
      const created = await factory.create();
      dispose = created.dispose;
      return created.store;
    };
    afterEach(async () => {
      await dispose?.();
      dispose = null;
    });

    it('stores and returns a calendar sync state with its cursor', async () => {
      const store = await open();
      expect(await store.getSyncState('anna/ics-1')).toBeNull();
      const state = {
        calendar: 'anna/ics-1',
        cursor: { etag: '"abc"', bodyHash: 'f00' },
        lastSyncAt: T0,
        lastSuccessAt: T0,
        lastError: null,
        registerDigest: '3:abc',
      };
      await store.putSyncState(state);
      expect(await store.getSyncState('anna/ics-1')).toEqual(state);
      await store.putSyncState({ ...state, cursor: null, lastError: 'calendar anna/ics-1: failed' });
      expect(await store.getSyncState('anna/ics-1')).toEqual({
        ...state,
        cursor: null,
        lastError: 'calendar anna/ics-1: failed',
      });
      await store.putSyncState({ ...state, registerDigest: null });
      expect((await store.getSyncState('anna/ics-1'))?.registerDigest).toBeNull();
    });

    it('forgets the state of a calendar that left the directory, and only that one', async () => {
      const store = await open();
      const state = {
        calendar: 'anna/graph-1',
        cursor: { deltaLink: 'x' },
        lastSyncAt: T0,
        lastSuccessAt: T0,
        lastError: null,
        registerDigest: '1:f00',
      };
      await store.putSyncState(state);
      await store.putSyncState({ ...state, calendar: 'bo/ics-1' });
      await store.deleteSyncState('anna/graph-1');
      await store.deleteSyncState('nobody/ics-1');
      expect(await store.getSyncState('anna/graph-1')).toBeNull();
      expect(await store.getSyncState('bo/ics-1')).toEqual({ ...state, calendar: 'bo/ics-1' });
    });

    it('keeps the first secret stored under a name, also when two processes ask at once', async () => {
      const store = await open();
      const [one, two] = await Promise.all([
        store.ensureSecret('uidKey', 'first'),
        store.ensureSecret('uidKey', 'second'),
      ]);
      expect(one).toBe(two);
      expect(['first', 'second']).toContain(one);
      expect(await store.ensureSecret('uidKey', 'third')).toBe(one);
      expect(await store.ensureSecret('other', 'fourth')).toBe('fourth');
    });

    it('remembers the first time a key was seen, however often it is marked', async () => {
      const store = await open();
      const first = await store.markSeen(['k1', 'k2'], T0);
      expect([...first.entries()]).toEqual([
        ['k1', T0],
        ['k2', T0],
      ]);
      const second = await store.markSeen(['k2', 'k3'], T0 + 60_000);
      expect(second.get('k2')).toBe(T0);
      expect(second.get('k3')).toBe(T0 + 60_000);
      expect((await store.markSeen([], T0)).size).toBe(0);
    });

    it('keeps the first-seen time when two workers mark the same key at once', async () => {
      const store = await open();
      const [one, two] = await Promise.all([
        store.markSeen(['k', 'j'], T0),
        store.markSeen(['j', 'k'], T0 + 1),
      ]);
      expect(one.get('k')).toBe(two.get('k'));
      expect(one.get('j')).toBe(two.get('j'));
      expect((await store.markSeen(['k', 'j'], T0 + 2)).get('k')).toBe(one.get('k'));
    });

    it('stores a finding once per key and lists by occurrence start, employee and rule', async () => {
      const store = await open();
      expect(await store.addFindings([finding('a', T0), finding('b', T0 + 1000, 'cecilia')])).toBe(2);
      expect(await store.addFindings([finding('a', T0), finding('c', T0 + 2000)])).toBe(1);
      const all = await store.listFindings({ from: T0, to: T0 + 3000 });
      expect(all.map((item) => item.key)).toEqual(['a', 'b', 'c']);
      expect(all[0]).toEqual(finding('a', T0));
      expect(
        (await store.listFindings({ from: T0, to: T0 + 3000, employees: ['cecilia'] })).map((f) => f.key),
      ).toEqual(['b']);
      expect(await store.listFindings({ from: T0, to: T0 + 3000, employees: [] })).toEqual([]);
      expect(await store.listFindings({ from: T0, to: T0 + 3000, rule: 'unknownCode' })).toEqual([]);
      expect((await store.listFindings({ from: T0 + 1000, to: T0 + 2000 })).map((f) => f.key)).toEqual(['b']);
    });

    it('forgets first-seen times older than the retention, and only those', async () => {
      const store = await open();
      await store.markSeen(['old'], T0 - 1000);
      await store.markSeen(['new'], T0);
      expect(await store.pruneSeen(T0)).toBe(1);
      expect((await store.markSeen(['old', 'new'], T0 + 5000)).get('old')).toBe(T0 + 5000);
      expect((await store.markSeen(['new'], T0 + 5000)).get('new')).toBe(T0);
    });

    it('prunes findings older than the retention', async () => {
      const store = await open();
      await store.addFindings([finding('old', T0 - 1000), finding('new', T0)]);
      expect(await store.pruneFindings(T0)).toBe(1);
      expect((await store.listFindings({ from: 0, to: T0 + 1 })).map((f) => f.key)).toEqual(['new']);
    });
  });
}
