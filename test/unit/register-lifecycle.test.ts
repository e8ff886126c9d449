import { describe, expect, it } from 'vitest';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import type { CalendarRef } from '../../src/app/ports/calendar-source.js';
import type { Finding } from '../../src/app/ports/state-store.js';
import { pruneRetention, retentionCutoffs } from '../../src/app/prune-retention.js';
import { removeDepartedCalendars } from '../../src/app/remove-departed-calendars.js';
import {
  CALENDAR_SOURCE,
  MANUAL_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../src/domain/referral-entry.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = 'Europe/Stockholm';
const config = {
  timeZone: ZONE,
  rules: { findingsRetentionDays: 400 } as never,
  register: { keepEndedDays: 31 },
};

function entry(calendar: string, uid: string, start: number, source = CALENDAR_SOURCE): ReferralEntry {
  const content = {
    employee: calendar.split('/')[0] as string,
    extension: '1',
    reason: 'meeting',
    label: 'Möte',
    mode: 'referred' as const,
    start,
    end: start + HOUR,
  };
  return {
    id: referralEntryId(content.employee, calendar, uid, start),
    ...content,
    source,
    sourceRef: { calendar, uid, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}

function ref(id: string): CalendarRef {
  return { id, employee: id.split('/')[0] as string, kind: 'ics', address: '/x.ics' };
}

describe('retention cutoffs', () => {
  it('count local calendar days back from local midnight, across the DST change', () => {
    // 2026-11-05 12:00 in Stockholm (CET); 31 days back is 2026-10-05 00:00 CEST (22:00Z the day before).
    const now = Date.UTC(2026, 10, 5, 11, 0);
    const cutoffs = retentionCutoffs(config, now);
    expect(new Date(cutoffs.ended).toISOString()).toBe('2026-10-04T22:00:00.000Z');
    expect(new Date(cutoffs.findings).toISOString()).toBe('2025-09-30T22:00:00.000Z');
    expect(cutoffs.seen).toBe(cutoffs.findings);
    // The whole local day gives the same cutoffs, whichever process runs it when.
    expect(retentionCutoffs(config, Date.UTC(2026, 10, 5, 22, 59))).toEqual(cutoffs);
  });
});

describe('pruneRetention', () => {
  it('prunes ended entries, findings and first-seen times once each, with one cutoff each', async () => {
    const now = Date.UTC(2026, 10, 30, 7, 0);
    const sink = new MemoryReferralSink();
    const state = new MemoryStateStore();
    sink.put(entry('anna/ics-1', 'old', now - 40 * DAY));
    sink.put(entry('anna/ics-1', 'web', now - 40 * DAY, MANUAL_SOURCE));
    sink.put(entry('anna/ics-1', 'recent', now - 20 * DAY));
    sink.put(entry('anna/ics-1', 'future', now + DAY));
    const finding = (key: string, occurrenceStart: number): Finding => ({
      key,
      rule: 'lateEntry',
      kind: 'late',
      employee: 'anna',
      calendar: 'anna/ics-1',
      eventUid: key,
      occurrenceStart,
      foundAt: occurrenceStart,
      details: {},
    });
    await state.addFindings([finding('old', now - 401 * DAY), finding('new', now - 10 * DAY)]);
    await state.markSeen(['old'], now - 401 * DAY);
    await state.markSeen(['new'], now - DAY);
    const deps = { config, state, sink };
    expect(await pruneRetention(deps, now)).toEqual({ findings: 1, seen: 1, ended: 2 });
    expect(await pruneRetention(deps, now)).toEqual({ findings: 0, seen: 0, ended: 0 });
    expect((await sink.list({})).map((item) => item.sourceRef.uid)).toEqual(['recent', 'future']);
  });
});

describe('removeDepartedCalendars', () => {
  it('deletes the calendar entries of calendars gone from the directory, forgets their state, keeps manual ones', async () => {
    const now = Date.UTC(2026, 10, 30, 7, 0);
    const sink = new MemoryReferralSink();
    const state = new MemoryStateStore();
    const kept = entry('anna/ics-1', 'a', now + HOUR);
    const manual = entry('cecilia/ics-1', 'web', now + HOUR, MANUAL_SOURCE);
    sink.put(kept);
    sink.put(entry('cecilia/ics-1', 'c', now + HOUR));
    sink.put(entry('cecilia/ics-1', 'ended', now - DAY));
    sink.put(entry('anna/graph-2', 'g', now + HOUR));
    sink.put(manual);
    const syncState = {
      cursor: { deltaLink: 'x' },
      lastSyncAt: now,
      lastSuccessAt: now,
      lastError: null,
      registerDigest: null,
    };
    await state.putSyncState({ calendar: 'cecilia/ics-1', ...syncState });
    await state.putSyncState({ calendar: 'anna/ics-1', ...syncState });
    // anna/ics-1 stays in the directory (even if it failed for weeks); cecilia left; anna's Graph calendar was removed.
    const result = await removeDepartedCalendars({ sink, state }, [ref('anna/ics-1'), ref('bo/ics-1')]);
    expect(result).toEqual({ calendars: ['anna/graph-2', 'cecilia/ics-1'], deleted: 3 });
    const byId = (a: ReferralEntry, b: ReferralEntry) => (a.id < b.id ? -1 : 1);
    expect((await sink.list({})).sort(byId)).toEqual([kept, manual].sort(byId));
    expect(await state.getSyncState('cecilia/ics-1')).toBeNull();
    expect(await state.getSyncState('anna/ics-1')).not.toBeNull();
    expect(await removeDepartedCalendars({ sink, state }, [ref('anna/ics-1')])).toEqual({
      calendars: [],
      deleted: 0,
    });
  });
});
