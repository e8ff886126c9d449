import { describe, expect, it } from 'vitest';
import {
  afterPlan,
  isEmptyPlan,
  planOwnershipProblem,
  reconcile,
  registerDigest,
} from '../../src/domain/reconcile.js';
import {
  CALENDAR_SOURCE,
  isCalendarEntryId,
  isCalendarOwned,
  isKeyedUid,
  MANUAL_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
  sourceRefUid,
} from '../../src/domain/referral-entry.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 8, 0);
const WINDOW = { from: NOW - 24 * HOUR, to: NOW + 14 * 24 * HOUR };
const GUARD = { maxShare: 0.5, minEntries: 4 };

function entry(
  uid: string,
  startOffsetHours: number,
  overrides: Partial<Pick<ReferralEntry, 'label' | 'source' | 'end'>> & { calendar?: string } = {},
): ReferralEntry {
  const calendar = overrides.calendar ?? 'anna/ics-1';
  const start = NOW + startOffsetHours * HOUR;
  const content = {
    employee: 'anna',
    extension: '0512-31001',
    reason: 'meeting',
    label: overrides.label ?? 'Möte',
    mode: 'referred' as const,
    start,
    end: overrides.end ?? start + HOUR,
  };
  return {
    id: referralEntryId('anna', calendar, uid, start),
    ...content,
    source: overrides.source ?? CALENDAR_SOURCE,
    sourceRef: { calendar, uid, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}

const options = { calendar: 'anna/ics-1', window: WINDOW, now: NOW, guard: GUARD, force: false };

describe('reconcile', () => {
  const cases: {
    name: string;
    desired: ReferralEntry[];
    current: ReferralEntry[];
    expected: { creates: number; updates: number; deletes: number; unchanged: number; refused?: boolean };
  }[] = [
    {
      name: 'empty register: everything is created',
      desired: [entry('a', 2), entry('b', 4)],
      current: [],
      expected: { creates: 2, updates: 0, deletes: 0, unchanged: 0 },
    },
    {
      name: 'same again: nothing changes',
      desired: [entry('a', 2)],
      current: [entry('a', 2)],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 1 },
    },
    {
      name: 'changed label: updated',
      desired: [entry('a', 2, { label: 'Sammanträde' })],
      current: [entry('a', 2)],
      expected: { creates: 0, updates: 1, deletes: 0, unchanged: 0 },
    },
    {
      name: 'gone from the calendar: deleted',
      desired: [],
      current: [entry('a', 2)],
      expected: { creates: 0, updates: 0, deletes: 1, unchanged: 0 },
    },
    {
      name: 'moved: old deleted, new created',
      desired: [entry('a', 5)],
      current: [entry('a', 2)],
      expected: { creates: 1, updates: 0, deletes: 1, unchanged: 0 },
    },
    {
      name: 'not ours (manual entry): never touched',
      desired: [],
      current: [entry('a', 2, { source: 'web' })],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 0 },
    },
    {
      name: 'another calendar: never touched',
      desired: [],
      current: [entry('a', 2, { calendar: 'anna/graph-2' })],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 0 },
    },
    {
      name: 'already ended: never deleted',
      desired: [],
      current: [entry('a', -5)],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 0 },
    },
    {
      name: 'already ended: never updated',
      desired: [entry('a', -5, { label: 'Ny' })],
      current: [entry('a', -5)],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 1 },
    },
    {
      name: 'already ended: not created',
      desired: [entry('a', -5)],
      current: [],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 0 },
    },
    {
      name: 'running now (started, not ended): deleted when gone',
      desired: [],
      current: [entry('a', -1, { end: NOW + HOUR })],
      expected: { creates: 0, updates: 0, deletes: 1, unchanged: 0 },
    },
    {
      name: 'beyond the window: not deleted',
      desired: [],
      current: [entry('a', 20 * 24)],
      expected: { creates: 0, updates: 0, deletes: 0, unchanged: 0 },
    },
    {
      name: 'mass delete: 3 of 4 future entries is refused',
      desired: [entry('a', 2)],
      current: [entry('a', 2), entry('b', 3), entry('c', 4), entry('d', 5)],
      expected: { creates: 0, updates: 0, deletes: 3, unchanged: 1, refused: true },
    },
    {
      name: 'exactly half may go',
      desired: [entry('a', 2), entry('b', 3)],
      current: [entry('a', 2), entry('b', 3), entry('c', 4), entry('d', 5)],
      expected: { creates: 0, updates: 0, deletes: 2, unchanged: 2 },
    },
    {
      name: 'below minEntries the guard does not apply',
      desired: [],
      current: [entry('a', 2), entry('b', 3), entry('c', 4)],
      expected: { creates: 0, updates: 0, deletes: 3, unchanged: 0 },
    },
  ];

  it.each(cases)('$name', ({ desired, current, expected }) => {
    const plan = reconcile(desired, current, options);
    expect({
      creates: plan.creates.length,
      updates: plan.updates.length,
      deletes: plan.deletes.length,
      unchanged: plan.unchanged,
      ...(plan.refused ? { refused: true } : {}),
    }).toEqual(expected);
  });

  it('applies a refused plan when forced', () => {
    const current = [entry('a', 2), entry('b', 3), entry('c', 4), entry('d', 5)];
    expect(reconcile([], current, options).refused).not.toBeNull();
    expect(reconcile([], current, { ...options, force: true })).toMatchObject({ refused: null });
  });

  it('is idempotent: planning against the result of applying plans nothing', () => {
    const desired = [entry('a', 2), entry('b', 3, { label: 'Utbildning' })];
    const current = [entry('b', 3), entry('c', 4)];
    const plan = reconcile(desired, current, options);
    const after = new Map(current.map((item) => [item.id, item]));
    for (const item of [...plan.creates, ...plan.updates]) after.set(item.id, item);
    for (const item of plan.deletes) after.delete(item.id);
    expect(isEmptyPlan(reconcile(desired, [...after.values()], options))).toBe(true);
  });

  it('gives the same id to the same occurrence, whoever plans it', () => {
    expect(referralEntryId('anna', 'anna/ics-1', 'uid-1', NOW)).toBe(
      referralEntryId('anna', 'anna/ics-1', 'uid-1', NOW),
    );
    expect(referralEntryId('anna', 'anna/ics-1', 'uid-1', NOW)).not.toBe(
      referralEntryId('anna', 'anna/ics-1', 'uid-1', NOW + 1),
    );
  });
});

describe('ownership, drift and keyed uids', () => {
  it('updates an owned entry edited behind its back even when its content hash was left as it was', () => {
    const edited = { ...entry('a', 2), label: 'Semester' };
    expect(reconcile([entry('a', 2)], [edited], options)).toMatchObject({
      updates: [entry('a', 2)],
      unchanged: 0,
    });
  });

  it('plans nothing for manual entries, whatever they claim, and refuses plans that name one', () => {
    const manual = entry('m', 2, { source: MANUAL_SOURCE });
    const plan = reconcile([], [manual], options);
    expect(isEmptyPlan(plan)).toBe(true);
    expect(isCalendarOwned(manual)).toBe(false);
    expect(planOwnershipProblem({ ...plan, deletes: [manual] })).toMatch(/not a calendar entry/);
    expect(planOwnershipProblem({ ...plan, creates: [entry('x', 2, { calendar: 'bo/ics-1' })] })).toMatch(
      /not a calendar entry of this calendar/,
    );
    expect(planOwnershipProblem(reconcile([entry('a', 2)], [], options))).toBeNull();
  });

  it('keys uids: stable for one key, different for another, recognisable, never the uid', () => {
    const one = sourceRefUid('key-1', 'privat-abort-2026@example');
    expect(one).toBe(sourceRefUid('key-1', 'privat-abort-2026@example'));
    expect(one).not.toBe(sourceRefUid('key-2', 'privat-abort-2026@example'));
    expect(one).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    expect(one).not.toContain('abort');
    expect(isKeyedUid(one)).toBe(true);
    expect(isKeyedUid('privat-abort-2026@example')).toBe(false);
    expect(isCalendarEntryId(entry('a', 2).id)).toBe(true);
    expect(isCalendarEntryId('web-1')).toBe(false);
  });

  it('rewrites a verbatim uid an older hanvisa stored, also in ended and out-of-window entries', () => {
    const key = 'k';
    const keyed = (item: ReferralEntry) => ({
      ...item,
      sourceRef: { ...item.sourceRef, uid: sourceRefUid(key, item.sourceRef.uid) },
    });
    const current = [entry('now', 2), entry('ended', -5), entry('later', 24 * 30)];
    const plan = reconcile([keyed(entry('now', 2))], current, { ...options, uidKey: key });
    expect(plan.updates).toEqual(current.map(keyed));
    expect(plan).toMatchObject({ creates: [], deletes: [] });
    const after = afterPlan(current, plan);
    expect(isEmptyPlan(reconcile([keyed(entry('now', 2))], after, { ...options, uidKey: key }))).toBe(true);
  });

  it('digests what the register holds of a calendar: any stored change shows, manual entries do not', () => {
    const entries = [entry('a', 2), entry('b', 3)];
    const digest = registerDigest(entries, 'anna/ics-1');
    expect(registerDigest([...entries].reverse(), 'anna/ics-1')).toBe(digest);
    expect(registerDigest([entry('a', 2)], 'anna/ics-1')).not.toBe(digest);
    expect(registerDigest([entry('a', 2), { ...entry('b', 3), label: 'x' }], 'anna/ics-1')).not.toBe(digest);
    expect(registerDigest([...entries, entry('m', 4, { source: MANUAL_SOURCE })], 'anna/ics-1')).toBe(digest);
    expect(registerDigest([...entries, entry('o', 4, { calendar: 'bo/ics-1' })], 'anna/ics-1')).toBe(digest);
  });
});
