import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from '../../../src/adapters/mirrors/memory-outbox-store.js';
import { SqliteOutboxStore } from '../../../src/adapters/mirrors/sqlite-outbox-store.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import type { OutboxStore } from '../../../src/app/ports/outbox-store.js';
import { entry, HOUR, MINUTE, moved, NOW } from './mirror-test-kit.js';

interface Factory {
  readonly name: string;
  create(mirrors: string[]): { store: OutboxStore; dispose(): void };
}

const factories: Factory[] = [
  {
    name: 'memory',
    create: (mirrors) => ({ store: new MemoryOutboxStore({ entryMirrors: mirrors }), dispose() {} }),
  },
  {
    name: 'sqlite',
    create(mirrors) {
      const db = openDatabase(':memory:');
      return { store: new SqliteOutboxStore(db, { entryMirrors: mirrors }), dispose: () => db.close() };
    },
  },
];

for (const factory of factories) {
  describe(`OutboxStore contract: ${factory.name}`, () => {
    let dispose: (() => void) | null = null;
    const open = (mirrors = ['teams', 'hook']) => {
      const created = factory.create(mirrors);
      dispose = created.dispose;
      return created.store;
    };
    afterEach(() => {
      dispose?.();
      dispose = null;
    });

    it('records a create with its future moments, for every mirror, and hands them out in order', async () => {
      const store = open();
      const meeting = entry('anna', 'm1', NOW + HOUR);
      expect(await store.recordEntryChanges(null, meeting, NOW)).toBe(6);
      const head = await store.head('teams', 'anna', NOW);
      expect(head).toMatchObject({ change: 'created', ref: meeting.id, employee: 'anna', occurredAt: NOW });
      expect(head?.entry).toMatchObject({ id: meeting.id, label: 'Möte', calendar: 'anna/ics-1' });
      expect(JSON.stringify(head)).not.toContain('hash-m1');
      await store.markDelivered(head?.seq as number, NOW);
      expect(await store.head('teams', 'anna', NOW)).toBeNull();
      expect(await store.nextDueAt('teams', 'anna')).toBe(NOW + HOUR);
      const current = await store.head('teams', 'anna', NOW + HOUR);
      expect(current?.change).toBe('current');
      expect(current?.version).toBeGreaterThan(head?.version as number);
      // The other mirror still has all three.
      expect((await store.head('hook', 'anna', NOW))?.change).toBe('created');
      expect(await store.stats('hook', NOW)).toEqual({ pending: 1, oldestPendingMs: 0, dead: 0 });
    });

    it('records nothing for an unchanged entry and cancels future moments on the next write', async () => {
      const store = open(['teams']);
      const meeting = entry('anna', 'm1', NOW + HOUR);
      await store.recordEntryChanges(null, meeting, NOW);
      expect(await store.recordEntryChanges(meeting, meeting, NOW)).toBe(0);
      const earlier = moved(meeting, NOW + 30 * MINUTE, NOW + 90 * MINUTE);
      await store.recordEntryChanges(meeting, earlier, NOW + MINUTE);
      const kinds: string[] = [];
      for (const at of [NOW + MINUTE, NOW + 30 * MINUTE, NOW + 90 * MINUTE, NOW + 3 * HOUR]) {
        for (;;) {
          const head = await store.head('teams', 'anna', at);
          if (head === null) break;
          kinds.push(`${head.change}@${(head.occurredAt - NOW) / MINUTE}`);
          await store.markDelivered(head.seq, at);
        }
      }
      expect(kinds).toEqual(['created@0', 'updated@1', 'current@30', 'ended@90']);
    });

    it('blocks an employee behind a failing head but not other employees', async () => {
      const store = open(['teams']);
      await store.recordEntryChanges(null, entry('anna', 'a', NOW + HOUR), NOW);
      await store.recordEntryChanges(null, entry('anna', 'b', NOW + 2 * HOUR), NOW);
      await store.recordEntryChanges(null, entry('bo', 'c', NOW + HOUR), NOW);
      const head = await store.head('teams', 'anna', NOW);
      await store.markFailed(
        head?.seq as number,
        { kind: 'retry', nextAttemptAt: NOW + MINUTE, error: 'down' },
        NOW,
      );
      expect(await store.head('teams', 'anna', NOW)).toBeNull();
      expect(await store.nextDueAt('teams', 'anna')).toBe(NOW + MINUTE);
      expect(await store.dueEmployees('teams', NOW, 10)).toContain('bo');
      const retried = await store.head('teams', 'anna', NOW + MINUTE);
      expect(retried).toMatchObject({ seq: head?.seq, attempts: 1 });
      await store.markFailed(retried?.seq as number, { kind: 'dead', error: 'gone' }, NOW + MINUTE);
      expect((await store.head('teams', 'anna', NOW + MINUTE))?.ref).toBe(
        entry('anna', 'b', NOW + 2 * HOUR).id,
      );
      expect((await store.stats('teams', NOW + MINUTE)).dead).toBe(1);
      expect((await store.listDead('teams', 10))[0]?.seq).toBe(head?.seq);
    });

    it('records a notice once per ref and not before its hour', async () => {
      const store = open(['teams']);
      const notice = { calendar: 'anna/ics-1', occurrenceStart: NOW + HOUR, suggestion: 'MÖT' };
      const record = {
        change: 'unknownCode' as const,
        employee: 'anna',
        ref: 'unknownCode|x',
        notice,
        notBefore: NOW + 2 * HOUR,
      };
      expect(await store.recordNotices('notify', [record], NOW)).toBe(1);
      expect(await store.recordNotices('notify', [record], NOW + MINUTE)).toBe(0);
      expect(await store.head('notify', 'anna', NOW)).toBeNull();
      const head = await store.head('notify', 'anna', NOW + 2 * HOUR);
      expect(head).toMatchObject({ change: 'unknownCode', notice });
      await store.markDelivered(head?.seq as number, NOW + 2 * HOUR);
      expect(await store.recordNotices('notify', [record], NOW + 3 * HOUR)).toBe(0);
    });

    it('prunes delivered changes after a day, notices and dead ones after the longer cutoff, never pending ones', async () => {
      const store = open(['teams']);
      await store.recordEntryChanges(null, entry('anna', 'a', NOW + HOUR), NOW);
      const created = await store.head('teams', 'anna', NOW);
      await store.markDelivered(created?.seq as number, NOW);
      const notice = { calendar: 'anna/ics-1', occurrenceStart: NOW + HOUR, suggestion: null };
      const record = { change: 'unknownCode' as const, employee: 'anna', ref: 'n', notice, notBefore: NOW };
      await store.recordNotices('notify', [record], NOW);
      await store.markDelivered((await store.head('notify', 'anna', NOW))?.seq as number, NOW);
      expect(await store.prune({ delivered: NOW + 1, kept: NOW })).toBe(1);
      expect(await store.recordNotices('notify', [record], NOW)).toBe(0);
      expect(await store.prune({ delivered: NOW + 1, kept: NOW + 1 })).toBe(1);
      expect((await store.stats('teams', NOW + 2 * HOUR)).pending).toBe(2);
    });

    it('keeps mirror state per mirror and employee', async () => {
      const store = open();
      await store.putMirrorState('teams', 'anna', { entry: 'x' });
      expect(await store.getMirrorState('teams', 'anna')).toEqual({ entry: 'x' });
      expect(await store.getMirrorState('teams', 'bo')).toBeNull();
      await store.putMirrorState('teams', 'anna', null);
      expect(await store.getMirrorState('teams', 'anna')).toBeNull();
    });
  });
}

describe('SQLite register and outbox: one transaction', () => {
  it('records API writes and plan applies, and rolls both back together', () => {
    const db = openDatabase(':memory:');
    const outbox = new SqliteOutboxStore(db, { entryMirrors: ['hook'] });
    const sink = new SqliteReferralSink(db, { outbox, clock: () => NOW });
    const meeting = entry('anna', 'm1', NOW + HOUR);
    sink.upsertSync(meeting);
    sink.upsertSync(meeting);
    sink.deleteSync(meeting.id);
    const rows = db.prepare('SELECT change FROM outbox ORDER BY seq').all() as { change: string }[];
    expect(rows.map((row) => row.change)).toEqual(['created', 'deleted']);
    const failing = new SqliteReferralSink(db, {
      outbox: {
        recordEntryChangesSync() {
          throw new Error('disk full');
        },
      },
    });
    expect(() => failing.upsertSync(entry('anna', 'm2', NOW + HOUR))).toThrow('disk full');
    expect(sink.listSync({})).toEqual([]);
    db.close();
  });
});
