import { describe, expect, it } from 'vitest';
import { MemoryCalendarSource } from '../../src/adapters/memory-calendar-source.js';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import type { CalendarRef } from '../../src/app/ports/calendar-source.js';
import { type SyncDependencies, syncCalendar, uidKeyOf } from '../../src/app/sync-calendar.js';
import { summarise, syncCycle } from '../../src/app/sync-cycle.js';
import { TransientError } from '../../src/domain/errors.js';
import type { Occurrence } from '../../src/domain/occurrence.js';
import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  sourceRefUid,
} from '../../src/domain/referral-entry.js';
import { sampleConfig } from '../helpers/sample-config.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 7, 0);
const config = sampleConfig();
const anna: CalendarRef = { id: 'anna/ics-1', employee: 'anna', kind: 'ics', address: '/secret/anna.ics' };
const bo: CalendarRef = { id: 'bo/ics-1', employee: 'bo', kind: 'ics', address: '/secret/bo.ics' };

function occurrence(
  uid: string,
  subject: string,
  startHours: number,
  extra: Partial<Occurrence> = {},
): Occurrence {
  return {
    uid,
    recurrenceId: null,
    start: NOW + startHours * HOUR,
    end: NOW + (startHours + 1) * HOUR,
    allDay: false,
    status: 'confirmed',
    showAs: 'busy',
    private: false,
    createdAt: NOW - 24 * HOUR,
    modifiedAt: NOW - 24 * HOUR,
    organizerIsSelf: true,
    subject,
    ...extra,
  };
}

/** What `sourceRef.uid` holds for an event uid under the state store's uid key. */
async function keyedUids(state: MemoryStateStore): Promise<(uid: string) => string> {
  const key = await uidKeyOf(state);
  return (uid) => sourceRefUid(key, uid);
}

function setup() {
  const source = new MemoryCalendarSource();
  const sink = new MemoryReferralSink();
  const state = new MemoryStateStore();
  const deps: SyncDependencies = { config, sourceFor: () => source, sink, state };
  return { source, sink, state, deps };
}

describe('syncCalendar', () => {
  it('creates entries for coded occurrences only, with label and mode, never the subject', async () => {
    const { source, sink, state, deps } = setup();
    source.set(anna.id, [
      occurrence('m', 'MÖT: Hemlig budget', 2),
      occurrence('i', 'LUN; Lunch', 4),
      occurrence('n', 'Budgetmöte utan kod', 6),
      occurrence('c', 'MÖT: inställt', 8, { status: 'cancelled' }),
      occurrence('o', 'Föräldraledig', 10, { showAs: 'oof' }),
      occurrence('p', 'LED: Tandläkare', 12, { private: true }),
    ]);
    const result = await syncCalendar(deps, anna, { now: NOW });
    expect(result).toMatchObject({ status: 'synced', created: 4, updated: 0, deleted: 0 });
    const entries = await sink.list({});
    const ref = await keyedUids(state);
    expect(entries.map((entry) => [entry.sourceRef.uid, entry.label, entry.mode])).toEqual([
      [ref('m'), 'Möte', 'referred'],
      [ref('i'), 'Lunch', 'infoOnly'],
      [ref('o'), 'Frånvarande', 'referred'],
      [ref('p'), 'Ledig', 'referred'],
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/Hemlig|Tandläkare|secret/);
  });

  it('a second round over an unchanged calendar changes nothing', async () => {
    const { source, deps } = setup();
    source.set(anna.id, [occurrence('m', 'MÖT: x', 2)]);
    await syncCalendar(deps, anna, { now: NOW });
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'unchanged', created: 0 });
    source.set(anna.id, [occurrence('m', 'MÖT: x', 2)]);
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({
      status: 'synced',
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: 1,
    });
  });

  it('updates on a changed code and deletes when the code or the event goes', async () => {
    const { source, sink, deps } = setup();
    source.set(anna.id, [occurrence('a', 'MÖT: x', 2), occurrence('b', 'MÖT: y', 3)]);
    await syncCalendar(deps, anna, { now: NOW });
    source.set(anna.id, [occurrence('a', 'SAM: x', 2), occurrence('b', 'y utan kod', 3)]);
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ updated: 1, deleted: 1 });
    expect((await sink.list({})).map((entry) => entry.label)).toEqual(['Sammanträde']);
    source.set(anna.id, []);
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ deleted: 1 });
  });

  it('never touches entries it does not own, nor entries that already ended', async () => {
    const { source, sink, state, deps } = setup();
    source.set(anna.id, [occurrence('past', 'MÖT: igår', -3), occurrence('a', 'MÖT: x', 2)]);
    const manualContent = {
      employee: 'anna',
      extension: '0512-31001',
      reason: 'away',
      label: 'Borta',
      mode: 'referred' as const,
      start: NOW + HOUR,
      end: NOW + 2 * HOUR,
    };
    sink.put({
      id: 'manual-1',
      ...manualContent,
      source: 'web',
      sourceRef: { calendar: anna.id, uid: 'web', recurrenceId: null },
      contentHash: referralContentHash(manualContent),
    });
    await syncCalendar(deps, anna, { now: NOW - 4 * HOUR });
    source.set(anna.id, []);
    await syncCalendar(deps, anna, { now: NOW });
    const left = await sink.list({});
    expect(left.map((entry) => [entry.source, entry.sourceRef.uid])).toEqual([
      [CALENDAR_SOURCE, (await keyedUids(state))('past')],
      ['web', 'web'],
    ]);
  });

  it('restores an entry deleted or edited behind its back within one round, though the calendar did not change', async () => {
    const { source, sink, deps } = setup();
    source.set(anna.id, [occurrence('a', 'MÖT: x', 2), occurrence('b', 'LUN: y', 4)]);
    await syncCalendar(deps, anna, { now: NOW });
    const [a, b] = await sink.list({ calendar: anna.id });
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'unchanged' });
    sink.remove(a?.id as string);
    // Edited in place, content hash left as it was: the row no longer says what its hash says.
    sink.put({ ...(b as ReferralEntry), label: 'Semester', end: NOW + 48 * HOUR });
    const repaired = await syncCalendar(deps, anna, { now: NOW });
    expect(repaired).toMatchObject({ status: 'synced', created: 1, updated: 1, deleted: 0 });
    expect(repaired.warnings).toEqual([
      'calendar anna/ics-1: its referrals were changed outside hanvisa; read in full and restored',
    ]);
    expect(await sink.list({ calendar: anna.id })).toEqual([a, b]);
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'unchanged' });
  });

  it('deletes a calendar entry forged behind its back, and leaves manual entries alone', async () => {
    const { source, sink, deps } = setup();
    source.set(anna.id, [occurrence('a', 'MÖT: x', 2)]);
    await syncCalendar(deps, anna, { now: NOW });
    const [a] = await sink.list({ calendar: anna.id });
    const forged = {
      ...(a as ReferralEntry),
      id: 'f'.repeat(32),
      start: NOW + 5 * HOUR,
      end: NOW + 6 * HOUR,
    };
    const manual = { ...forged, id: 'web-1', source: 'manual' };
    sink.put(forged);
    sink.put(manual);
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'synced', deleted: 1 });
    expect(await sink.list({ calendar: anna.id })).toEqual([a, manual]);
    // A manual entry changed or deleted is none of sync's business: no full read for it.
    sink.remove('web-1');
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'unchanged' });
  });

  it('a failing source yields no plan: referrals and cursor stay, the error names the calendar id only', async () => {
    const { source, sink, state, deps } = setup();
    source.set(anna.id, [occurrence('a', 'MÖT: x', 2)]);
    await syncCalendar(deps, anna, { now: NOW });
    const cursor = (await state.getSyncState(anna.id))?.cursor;
    source.fail(
      anna.id,
      new TransientError('fetch https://secret.example/feed.ics failed', { retryAfterMs: 2000 }),
    );
    const result = await syncCalendar(deps, anna, { now: NOW + HOUR });
    expect(result).toMatchObject({ status: 'failed', transient: true, retryAfterMs: 2000 });
    expect(result.error).toContain('anna/ics-1');
    expect(result.error).not.toContain('secret.example');
    expect(await sink.list({})).toHaveLength(1);
    expect((await state.getSyncState(anna.id))?.cursor).toEqual(cursor);
  });

  it('refuses a snapshot that deletes more than the configured share, unless forced', async () => {
    const { source, sink, deps } = setup();
    source.set(
      anna.id,
      [1, 2, 3, 4, 5].map((n) => occurrence(`m${n}`, 'MÖT: x', n)),
    );
    await syncCalendar(deps, anna, { now: NOW });
    source.set(anna.id, [occurrence('m1', 'MÖT: x', 1)]);
    const refused = await syncCalendar(deps, anna, { now: NOW });
    expect(refused.status).toBe('refused');
    expect(refused.error).toMatch(/mass-delete guard.*4 of 5.*--force/);
    expect(await sink.list({})).toHaveLength(5);
    expect(await syncCalendar(deps, anna, { now: NOW, force: true })).toMatchObject({
      status: 'synced',
      deleted: 4,
    });
  });

  it('one failing calendar does not stop the others in a cycle', async () => {
    const { source, deps } = setup();
    source.set(bo.id, [occurrence('b', 'SAM: KS', 2)]);
    const results = await syncCycle(deps, [anna, bo], { now: NOW });
    expect(summarise(results)).toMatchObject({ calendars: 2, created: 1, failed: 1 });
    expect(summarise(results).errors[0]?.calendar).toBe('anna/ics-1');
  });
});
