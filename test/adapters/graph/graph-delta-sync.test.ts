import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncCalendar } from '../../../src/app/sync-calendar.js';
import {
  ANNA_ID,
  calendarOf,
  deltaPath,
  firstRoundQuery,
  fixture,
  fixtureText,
  GRAPH,
  harness,
  keyed,
  NOW,
  nockFirstRound,
  nockToken,
  rememberUids,
  view,
} from './graph-test-kit.js';

const SERIES = 'AAMkAGI2TGuLAAA-series-ledning=';
const A = 'AAMkAGI2TGuLAAA-single-budget=';
const B = 'AAMkAGI2TGuLAAA-single-lunch0=';
const I = 'AAMkAGI2TGuLAAA-single-invite=';
const N = 'AAMkAGI2TGuLAAA-single-nytt00=';
const P = 'AAMkAGI2TGuLAAA-single-privat=';
const D = 'AAMkAGI2TGuLAAA-allday-semest=';
const E = 'AAMkAGI2TGuLAAA-allday-konver=';
rememberUids(SERIES, A, B, I, N, P, D, E);

const meeting = { reason: 'meeting', label: 'Möte', mode: 'referred' };
const FIRST_ROUND = [
  { ...meeting, start: '2025-03-20T08:00:00.000Z', end: '2025-03-20T09:00:00.000Z', uid: A },
  { ...meeting, start: '2025-03-20T12:00:00.000Z', end: '2025-03-20T13:00:00.000Z', uid: SERIES },
  {
    reason: 'lunch',
    label: 'Lunch',
    mode: 'referred',
    start: '2025-03-21T11:00:00.000Z',
    end: '2025-03-21T12:00:00.000Z',
    uid: B,
  },
  { ...meeting, start: '2025-03-24T12:00:00.000Z', end: '2025-03-24T13:00:00.000Z', uid: SERIES },
  // private: referred with the code's label only
  { ...meeting, start: '2025-03-25T12:00:00.000Z', end: '2025-03-25T13:00:00.000Z', uid: P },
  { ...meeting, start: '2025-03-26T09:00:00.000Z', end: '2025-03-26T10:00:00.000Z', uid: I },
  // all-day, given by Graph converted from its own zone (W. Europe): Friday 28 March, local
  // midnight; back ("åter") on the next working day, Monday 31 March
  {
    reason: 'vacation',
    label: 'Semester',
    mode: 'referred',
    start: '2025-03-27T23:00:00.000Z',
    end: '2025-03-30T22:00:00.000Z',
    uid: E,
  },
  // all-day on the DST day (Sunday 30 March): 23 hours, local midnight to local midnight
  {
    reason: 'vacation',
    label: 'Semester',
    mode: 'referred',
    start: '2025-03-29T23:00:00.000Z',
    end: '2025-03-30T22:00:00.000Z',
    uid: D,
  },
  // the moved exception (originally Monday 31 March), with its own subject; the cancelled 27 March is absent
  { ...meeting, start: '2025-04-01T11:00:00.000Z', end: '2025-04-01T12:00:00.000Z', uid: SERIES },
];

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Graph delta sync through the sync use case', () => {
  it('first round of three pages: a snapshot with series, exception, cancelled, private and all-day events', async () => {
    const h = harness();
    const token = nockToken(1);
    const graph = nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.error).toBeNull();
    expect(result.status).toBe('synced');
    expect(result.created).toBe(9);
    expect(view(await h.sink.list({ calendar: 'anna/graph-1' }))).toEqual(FIRST_ROUND);
    graph.done();
    token.done();
    // subjects (the private one included) never reach the register or the result
    const register = JSON.stringify([await h.sink.list({}), result]);
    for (const word of ['Budgetberedning', 'Läkarbesök', 'Ledningsgrupp', 'Ledig', 'leverantör']) {
      expect(register).not.toContain(word);
    }
    // the stored cursor keeps the delta query, not the mailbox's path
    const stored = await h.state.getSyncState('anna/graph-1');
    expect(stored?.cursor?.deltaQuery).toBe('?$deltatoken=R0usmci39OQxqJrxK4-round1');
    expect(JSON.stringify(stored)).not.toContain('vara.se');
    expect(JSON.stringify(stored)).not.toContain(ANNA_ID);
  });

  it('incremental round: new event, changed code, deleted event; an @removed outside the window is ignored; then an unchanged round costs one request', async () => {
    const h = harness();
    nockToken(1);
    nockFirstRound();
    await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    const before = await h.sink.list({ calendar: 'anna/graph-1' });
    const incremental = nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ $deltatoken: 'R0usmci39OQxqJrxK4-round1' })
      .reply(200, fixture('incremental-round.json') as nock.Body);
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 60_000 });
    incremental.done();
    expect(result.error).toBeNull();
    expect({ created: result.created, updated: result.updated, deleted: result.deleted }).toEqual({
      created: 1,
      updated: 1,
      deleted: 1,
    });
    const after = view(await h.sink.list({ calendar: 'anna/graph-1' }));
    const expected = FIRST_ROUND.filter((entry) => entry.uid !== I)
      .map((entry) => (entry.uid === B ? { ...entry, reason: 'meeting', label: 'Möte' } : entry))
      .concat({ ...meeting, start: '2025-03-26T13:00:00.000Z', end: '2025-03-26T14:00:00.000Z', uid: N })
      .sort((x, y) => x.start.localeCompare(y.start));
    expect(after).toEqual(expected);
    // the changed entry keeps its id (same event, same start)
    const lunchBefore = before.find((entry) => entry.sourceRef.uid === keyed(B));
    const lunchAfter = (await h.sink.list({ calendar: 'anna/graph-1' })).find(
      (entry) => entry.sourceRef.uid === keyed(B),
    );
    expect(lunchAfter?.id).toBe(lunchBefore?.id);

    const requestsBefore = h.source.http.stats.requests;
    const quiet = nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ $deltatoken: 'R0usmci39OQxqJrxK4-round2' })
      .reply(200, fixture('incremental-empty.json') as nock.Body);
    const unchanged = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 120_000 });
    quiet.done();
    expect(unchanged.status).toBe('unchanged');
    expect(h.source.http.stats.requests - requestsBefore).toBe(1);
    expect(view(await h.sink.list({ calendar: 'anna/graph-1' }))).toEqual(expected);
    expect((await h.state.getSyncState('anna/graph-1'))?.cursor?.deltaQuery).toBe(
      '?$deltatoken=R0usmci39OQxqJrxK4-round3',
    );
  });

  it('a moved occurrence and a deleted series occurrence in a delta round', async () => {
    const h = harness();
    nockToken(1);
    nockFirstRound();
    await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ $deltatoken: 'R0usmci39OQxqJrxK4-round1' })
      .reply(200, {
        '@odata.deltaLink': `${GRAPH}/v1.0/users/${ANNA_ID}/calendarView/delta?$deltatoken=moved`,
        value: [
          // the 24 March occurrence is moved to 25 March 14:00 (it becomes an exception with its own fields)
          {
            id: 'AAMkAGI2TGuLAAA-occ-20250324=',
            type: 'exception',
            seriesMasterId: SERIES,
            originalStart: '2025-03-24T12:00:00Z',
            subject: 'MÖT: Ledningsgrupp',
            isAllDay: false,
            sensitivity: 'normal',
            showAs: 'busy',
            isCancelled: false,
            isOrganizer: true,
            createdDateTime: '2025-01-07T10:00:00Z',
            start: { dateTime: '2025-03-25T14:00:00.0000000', timeZone: 'UTC' },
            end: { dateTime: '2025-03-25T15:00:00.0000000', timeZone: 'UTC' },
          },
          // the 20 March occurrence is deleted from the series
          { id: 'AAMkAGI2TGuLAAA-occ-20250320=', '@removed': { reason: 'deleted' } },
        ],
      });
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 60_000 });
    expect(result.error).toBeNull();
    const series = view(await h.sink.list({ calendar: 'anna/graph-1' })).filter(
      (entry) => entry.uid === SERIES,
    );
    expect(series.map((entry) => entry.start)).toEqual([
      '2025-03-25T14:00:00.000Z',
      '2025-04-01T11:00:00.000Z',
    ]);
  });

  it('410 syncStateNotFound: a full resync that creates no duplicates and removes what is gone', async () => {
    const h = harness();
    nockToken(1);
    nockFirstRound();
    await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    const scope = nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ $deltatoken: 'R0usmci39OQxqJrxK4-round1' })
      .reply(410, fixture('error-410-sync-state-not-found.json') as nock.Body)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query(firstRoundQuery)
      .reply(200, fixture('resync-round.json') as nock.Body);
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 60_000 });
    scope.done();
    expect(result.error).toBeNull();
    expect(result.warnings.join(' ')).toContain('full resync');
    // the resync snapshot holds everything but the invited meeting; the series master comes from the cache (same changeKey)
    expect({ created: result.created, deleted: result.deleted, unchanged: result.unchanged }).toEqual({
      created: 0,
      deleted: 1,
      unchanged: 8,
    });
    const entries = await h.sink.list({ calendar: 'anna/graph-1' });
    expect(view(entries)).toEqual(FIRST_ROUND.filter((entry) => entry.uid !== I));
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
    expect((await h.state.getSyncState('anna/graph-1'))?.cursor?.deltaQuery).toBe(
      '?$deltatoken=R0usmci39OQxqJrxK4-resync',
    );
  });

  it('a page of malformed JSON fails the round: nothing applied, the next cycle starts the round again', async () => {
    const h = harness();
    nockToken(1);
    nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query(firstRoundQuery)
      .reply(200, fixture('first-round-page-1.json') as nock.Body)
      .get(deltaPath(ANNA_ID))
      .query({ $skiptoken: 'R0usmcCM996atia_s-page2' })
      .reply(200, fixtureText('malformed-page.json'), { 'Content-Type': 'application/json' });
    const failed = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(failed.status).toBe('failed');
    expect(failed.transient).toBe(true);
    expect(failed.error).toContain('calendar anna/graph-1');
    expect(failed.error).toContain('not valid JSON');
    expect(h.sink.appliedPlans).toBe(0);
    expect(await h.sink.list({})).toEqual([]);
    expect((await h.state.getSyncState('anna/graph-1'))?.cursor ?? null).toBeNull();

    const again = nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 60_000 });
    again.done();
    expect(result.error).toBeNull();
    expect(view(await h.sink.list({ calendar: 'anna/graph-1' }))).toEqual(FIRST_ROUND);
  });

  it('a round that ends without a deltaLink fails: nothing is deleted, the stored deltaLink is used again', async () => {
    const h = harness();
    nockToken(1);
    nockFirstRound();
    await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    const cursorBefore = (await h.state.getSyncState('anna/graph-1'))?.cursor;
    nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ $deltatoken: 'R0usmci39OQxqJrxK4-round1' })
      .reply(200, fixture('incremental-without-deltalink.json') as nock.Body);
    const failed = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 60_000 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('without a deltaLink');
    expect(view(await h.sink.list({ calendar: 'anna/graph-1' }))).toEqual(FIRST_ROUND);
    expect((await h.state.getSyncState('anna/graph-1'))?.cursor).toEqual(cursorBefore);

    const retry = nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ $deltatoken: 'R0usmci39OQxqJrxK4-round1' })
      .reply(200, fixture('incremental-round.json') as nock.Body);
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 120_000 });
    retry.done();
    expect(result.error).toBeNull();
    expect(result.deleted).toBe(1);
  });

  it('a new window (the next day) starts a new round', async () => {
    const h = harness();
    nockToken(1);
    nockFirstRound();
    await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    const nextDay = nock(GRAPH)
      .get(deltaPath('anna.andersson%40vara.se'))
      .query({ startDateTime: '2025-03-18T23:00:00.000Z', endDateTime: '2025-04-03T22:00:00.000Z' })
      .reply(200, fixture('resync-round.json') as nock.Body);
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW + 86_400_000 });
    nextDay.done();
    expect(result.error).toBeNull();
    const stored = await h.state.getSyncState('anna/graph-1');
    expect(stored?.cursor?.windowFrom).toBe(String(Date.parse('2025-03-18T23:00:00.000Z')));
  });
});
