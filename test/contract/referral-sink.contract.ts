import { afterEach, describe, expect, it } from 'vitest';
import type { ReferralSink } from '../../src/app/ports/referral-sink.js';
import { type Plan, reconcile } from '../../src/domain/reconcile.js';
import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../src/domain/referral-entry.js';

/**
 * One contract for every ReferralSink. Each implementation registers a factory here (or in its
 * own test file through `referralSinkContract`) and must pass all of it.
 */
export interface SinkFactory {
  readonly name: string;
  create(): Promise<{ sink: ReferralSink; dispose: () => Promise<void> }>;
}

const NOW = Date.UTC(2026, 10, 30, 8, 0);
const HOUR = 3_600_000;

function entry(uid: string, hours: number, calendar = 'anna/ics-1', label = 'Möte'): ReferralEntry {
  const start = NOW + hours * HOUR;
  const content = {
    employee: 'anna',
    extension: '0512-31001',
    reason: 'meeting',
    label,
    mode: 'referred' as const,
    start,
    end: start + HOUR,
  };
  return {
    id: referralEntryId('anna', calendar, uid, start),
    ...content,
    source: CALENDAR_SOURCE,
    sourceRef: { calendar, uid, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}

function planFor(desired: ReferralEntry[], current: ReferralEntry[], calendar = 'anna/ics-1'): Plan {
  return reconcile(desired, current, {
    calendar,
    window: { from: NOW - 24 * HOUR, to: NOW + 15 * 24 * HOUR },
    now: NOW,
    guard: { maxShare: 1, minEntries: 1000 },
    force: false,
  });
}

export function referralSinkContract(factory: SinkFactory): void {
  describe(`ReferralSink contract: ${factory.name}`, () => {
    let dispose: (() => Promise<void>) | null = null;
    const open = async () => {
      const created = await factory.create();
      dispose = created.dispose;
      return created.sink;
    };
    afterEach(async () => {
      await dispose?.();
      dispose = null;
    });

    it('applies creates, updates and deletes, and lists them back in start order', async () => {
      const sink = await open();
      await sink.apply(planFor([entry('b', 3), entry('a', 2)], []));
      expect((await sink.list({})).map((item) => item.sourceRef.uid)).toEqual(['a', 'b']);
      const current = await sink.list({ calendar: 'anna/ics-1' });
      await sink.apply(planFor([entry('a', 2, 'anna/ics-1', 'Sammanträde')], current));
      const after = await sink.list({ calendar: 'anna/ics-1' });
      expect(after).toEqual([entry('a', 2, 'anna/ics-1', 'Sammanträde')]);
    });

    it('is idempotent: the same plan applied twice leaves the register as after once', async () => {
      const sink = await open();
      const plan = planFor([entry('a', 2), entry('b', 3)], []);
      await sink.apply(plan);
      const once = await sink.list({});
      await sink.apply(plan);
      expect(await sink.list({})).toEqual(once);
      const deletion = planFor([], once);
      await sink.apply(deletion);
      await sink.apply(deletion);
      expect(await sink.list({})).toEqual([]);
    });

    it('filters by employee, calendar and source', async () => {
      const sink = await open();
      await sink.apply(planFor([entry('a', 2)], []));
      await sink.apply(planFor([entry('x', 4, 'anna/graph-2')], [], 'anna/graph-2'));
      expect(await sink.list({ calendar: 'anna/graph-2' })).toHaveLength(1);
      expect(await sink.list({ employee: 'anna' })).toHaveLength(2);
      expect(await sink.list({ employee: 'bo' })).toHaveLength(0);
      expect(await sink.list({ source: CALENDAR_SOURCE })).toHaveLength(2);
    });

    it('refuses a plan the mass-delete guard stopped, and changes nothing', async () => {
      const sink = await open();
      const entries = [entry('a', 2), entry('b', 3), entry('c', 4), entry('d', 5)];
      await sink.apply(planFor(entries, []));
      const refused = reconcile([], entries, {
        calendar: 'anna/ics-1',
        window: { from: NOW - HOUR, to: NOW + 24 * HOUR },
        now: NOW,
        guard: { maxShare: 0.5, minEntries: 4 },
        force: false,
      });
      expect(refused.refused).not.toBeNull();
      await expect(sink.apply(refused)).rejects.toThrow(/mass-delete/);
      expect(await sink.list({})).toHaveLength(4);
    });
  });
}
