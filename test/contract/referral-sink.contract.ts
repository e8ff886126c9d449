import { afterEach, describe, expect, it } from 'vitest';
import type { ReferralSink } from '../../src/app/ports/referral-sink.js';
import { type Plan, reconcile } from '../../src/domain/reconcile.js';
import {
  CALENDAR_SOURCE,
  MANUAL_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../src/domain/referral-entry.js';

/**
 * Writes to the register itself, not through the sink: the register API or the web (manual
 * entries), or someone editing the register behind hanvisa's back.
 */
export interface RegisterBackdoor {
  put(entry: ReferralEntry): Promise<void>;
}

/**
 * One contract for every ReferralSink. Each implementation registers a factory here (or in its
 * own test file through `referralSinkContract`) and must pass all of it.
 */
export interface SinkFactory {
  readonly name: string;
  create(): Promise<{ sink: ReferralSink; backdoor: RegisterBackdoor; dispose: () => Promise<void> }>;
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
    let backdoor: RegisterBackdoor | null = null;
    const open = async () => {
      const created = await factory.create();
      dispose = created.dispose;
      backdoor = created.backdoor;
      return created.sink;
    };
    const manual = (from: ReferralEntry): ReferralEntry => ({
      ...from,
      source: MANUAL_SOURCE,
      label: 'Telefonhänvisning',
      contentHash: referralContentHash({ ...from, label: 'Telefonhänvisning' }),
    });
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

    it('gets one entry by id, or null', async () => {
      const sink = await open();
      await sink.apply(planFor([entry('a', 2)], []));
      expect(await sink.get(entry('a', 2).id)).toEqual(entry('a', 2));
      expect(await sink.get('0123456789abcdef0123456789abcdef')).toBeNull();
    });

    it('never overwrites or deletes a manual entry, even one holding a calendar entry id', async () => {
      const sink = await open();
      const taken = manual(entry('a', 2));
      await backdoor?.put(taken);
      await backdoor?.put(manual(entry('m', 5)));
      // A create, an update and a delete of the taken id: the manual entry stays as it was.
      await sink.apply(planFor([entry('a', 2), entry('b', 3)], []));
      expect(await sink.get(taken.id)).toEqual(taken);
      await sink.apply({ ...planFor([], []), updates: [entry('a', 2, 'anna/ics-1', 'Sammanträde')] });
      await sink.apply({ ...planFor([], []), deletes: [entry('a', 2)] });
      expect(await sink.get(taken.id)).toEqual(taken);
      expect((await sink.list({ source: MANUAL_SOURCE })).map((item) => item.id).sort()).toEqual(
        [taken.id, entry('m', 5).id].sort(),
      );
      expect((await sink.list({ source: CALENDAR_SOURCE })).map((item) => item.sourceRef.uid)).toEqual(['b']);
    });

    it("refuses a plan that names a manual entry or another calendar's entry, and changes nothing", async () => {
      const sink = await open();
      await sink.apply(planFor([entry('a', 2)], []));
      const foreign = entry('x', 4, 'bo/ics-1');
      await expect(sink.apply({ ...planFor([], []), creates: [foreign] })).rejects.toThrow(
        /not a calendar entry of this calendar/,
      );
      await expect(sink.apply({ ...planFor([], []), creates: [manual(entry('n', 6))] })).rejects.toThrow(
        /not a calendar entry of this calendar/,
      );
      await expect(sink.apply({ ...planFor([], []), deletes: [manual(entry('a', 2))] })).rejects.toThrow(
        /not a calendar entry/,
      );
      expect(await sink.list({})).toEqual([entry('a', 2)]);
    });

    it('names the calendars that have calendar-owned entries, not those with manual ones only', async () => {
      const sink = await open();
      await sink.apply(planFor([entry('a', 2)], []));
      await sink.apply(planFor([entry('x', 4, 'anna/graph-2')], [], 'anna/graph-2'));
      await backdoor?.put(manual(entry('m', 5, 'bo/ics-1')));
      expect(await sink.ownedCalendars()).toEqual(['anna/graph-2', 'anna/ics-1']);
    });

    it('prunes entries that ended before the cutoff and keeps the rest', async () => {
      const sink = await open();
      const old = entry('old', -24 * 40);
      const recent = entry('recent', -24 * 2);
      await backdoor?.put(old);
      await backdoor?.put(recent);
      await sink.apply(planFor([entry('future', 2)], []));
      expect(await sink.pruneEnded(NOW - 24 * 31 * HOUR)).toBe(1);
      expect((await sink.list({})).map((item) => item.sourceRef.uid)).toEqual(['recent', 'future']);
      expect(await sink.pruneEnded(NOW - 24 * 31 * HOUR)).toBe(0);
    });
  });
}
