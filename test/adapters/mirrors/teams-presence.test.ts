import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteOutboxStore } from '../../../src/adapters/mirrors/sqlite-outbox-store.js';
import {
  graphDateTime,
  presenceDuration,
  TeamsPresenceMirror,
} from '../../../src/adapters/mirrors/teams-presence-mirror.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { deliverOutbox } from '../../../src/app/outbox-delivery.js';
import { referralText } from '../../../src/domain/referral-text.js';
import { FakeGraphPresence } from './fake-graph-presence.js';
import { entry, HOUR, MINUTE, moved, NOW } from './mirror-test-kit.js';

const ANNA = 'anna.andersson@vara.se';

function setup() {
  const db = openDatabase(':memory:');
  let now = NOW;
  const outbox = new SqliteOutboxStore(db, { entryMirrors: ['teams'] });
  const sink = new SqliteReferralSink(db, { outbox, clock: () => now });
  const graph = new FakeGraphPresence('https://graph.test');
  const mirror = new TeamsPresenceMirror({
    name: 'teams',
    baseUrl: 'https://graph.test/v1.0',
    tokens: { getToken: async () => 'token' },
    state: outbox,
    userFor: (employee) => (employee === 'anna' ? ANNA : null),
    presence: {
      meeting: { availability: 'Busy', activity: 'Busy' },
      vacation: { availability: 'Offline', activity: 'OffWork' },
    },
    fallback: { availability: 'Away', activity: 'Away' },
    statusMessage: true,
    timeZone: 'Europe/Stockholm',
  });
  const deps = {
    outbox,
    mirrors: new Map([['teams', mirror]]),
    policy: () => ({ deadAfterMs: 24 * HOUR, baseDelayMs: 1000, maxDelayMs: 60_000, batch: 50 }),
    random: () => 1,
  };
  const deliver = async (at: number) => {
    now = at;
    return deliverOutbox(deps, { mirror: 'teams', employee: 'anna' }, at);
  };
  return {
    db,
    sink,
    graph,
    outbox,
    deliver,
    at(instant: number) {
      now = instant;
    },
  };
}

describe('Teams presence mirror', () => {
  let world: ReturnType<typeof setup>;
  beforeEach(() => {
    nock.disableNetConnect();
    world = setup();
  });
  afterEach(() => {
    world.graph.done();
    world.db.close();
    nock.enableNetConnect();
  });

  it('sets presence and message when a meeting becomes current, updates when moved earlier, clears when deleted', async () => {
    const meeting = entry('anna', 'm1', NOW + HOUR);
    world.sink.upsertSync(meeting);
    await world.deliver(NOW);
    expect(world.graph.users.get(ANNA)?.preferred ?? null).toBeNull();

    // 11:00 local: the meeting (11:00–12:00 Stockholm) is current.
    await world.deliver(NOW + HOUR);
    expect(world.graph.users.get(ANNA)).toEqual({
      preferred: { availability: 'Busy', activity: 'Busy', expirationDuration: 'PT1H' },
      message: {
        content: 'Möte, åter 12.00',
        expiryDateTime: { dateTime: '2026-12-01T12:00:00', timeZone: 'W. Europe Standard Time' },
      },
    });

    // Moved to end earlier: updated at once, with the shorter expiry.
    world.at(NOW + HOUR + 10 * MINUTE);
    world.sink.upsertSync(moved(meeting, meeting.start, NOW + HOUR + 40 * MINUTE));
    await world.deliver(NOW + HOUR + 10 * MINUTE);
    expect(world.graph.users.get(ANNA)?.preferred?.expirationDuration).toBe('PT30M');
    expect(world.graph.users.get(ANNA)?.message?.content).toBe('Möte, åter 11.40');

    // Deleted: cleared.
    world.at(NOW + HOUR + 20 * MINUTE);
    world.sink.deleteSync(meeting.id);
    await world.deliver(NOW + HOUR + 20 * MINUTE);
    expect(world.graph.users.get(ANNA)).toEqual({ preferred: null, message: null });
    expect(await world.outbox.stats('teams', NOW + 2 * HOUR)).toEqual({
      pending: 0,
      oldestPendingMs: 0,
      dead: 0,
    });
  });

  it('a meeting moved earlier, onto now, is set at once; its old start changes nothing', async () => {
    const meeting = entry('anna', 'm1', NOW + HOUR);
    world.sink.upsertSync(meeting);
    await world.deliver(NOW);
    world.at(NOW + 40 * MINUTE);
    world.sink.upsertSync(moved(meeting, NOW + 30 * MINUTE, NOW + 90 * MINUTE));
    await world.deliver(NOW + 40 * MINUTE);
    expect(world.graph.users.get(ANNA)).toMatchObject({
      preferred: { availability: 'Busy', expirationDuration: 'PT50M' },
      message: { content: 'Möte, åter 11.30' },
    });
    const requests = world.graph.requests.length;
    await world.deliver(NOW + HOUR);
    expect(world.graph.requests.length).toBe(requests);
    await world.deliver(NOW + 90 * MINUTE);
    expect(world.graph.users.get(ANNA)).toEqual({ preferred: null, message: null });
  });

  it('an info-only entry inside a referred one leaves its presence alone; each end clears only its own', async () => {
    const meeting = entry('anna', 'm1', NOW, { hours: 3 });
    world.sink.upsertSync(meeting);
    await world.deliver(NOW);
    const lunch = entry('anna', 'l1', NOW + HOUR, { mode: 'infoOnly', label: 'Lunch', reason: 'lunch' });
    world.sink.upsertSync(lunch);
    await world.deliver(NOW + HOUR);
    expect(world.graph.users.get(ANNA)).toMatchObject({
      preferred: { availability: 'Busy' },
      message: { content: 'Lunch, åter 12.00' },
    });
    await world.deliver(lunch.end);
    expect(world.graph.users.get(ANNA)).toMatchObject({ preferred: { availability: 'Busy' }, message: null });
    await world.deliver(meeting.end);
    expect(world.graph.users.get(ANNA)).toEqual({ preferred: null, message: null });
  });

  it('clears at the end and never touches a message the user wrote', async () => {
    world.graph.users.set(ANNA, {
      preferred: null,
      message: { content: 'Jobbar hemifrån idag', expiryDateTime: null },
    });
    const meeting = entry('anna', 'm1', NOW - 10 * MINUTE);
    world.sink.upsertSync(meeting);
    await world.deliver(NOW);
    expect(world.graph.users.get(ANNA)?.preferred?.availability).toBe('Busy');
    expect(world.graph.users.get(ANNA)?.message?.content).toBe('Jobbar hemifrån idag');
    await world.deliver(meeting.end);
    expect(world.graph.users.get(ANNA)).toEqual({
      preferred: null,
      message: { content: 'Jobbar hemifrån idag', expiryDateTime: null },
    });
    const writes = world.graph.requests.filter((request) => request.path.endsWith('setStatusMessage'));
    expect(writes).toEqual([]);
  });

  it('sets only the message for an info-only entry, and maps reasons to the configured pair', async () => {
    world.sink.upsertSync(
      entry('anna', 'i1', NOW - MINUTE, { mode: 'infoOnly', label: 'Lunch', reason: 'lunch' }),
    );
    await world.deliver(NOW);
    expect(world.graph.users.get(ANNA)?.preferred ?? null).toBeNull();
    expect(world.graph.users.get(ANNA)?.message?.content).toBe('Lunch, åter 10.59');
    world.sink.upsertSync(entry('anna', 'v1', NOW, { hours: 48, reason: 'vacation', label: 'Semester' }));
    await world.deliver(NOW);
    expect(world.graph.users.get(ANNA)?.preferred).toMatchObject({
      availability: 'Offline',
      activity: 'OffWork',
    });
    expect(world.graph.users.get(ANNA)?.message?.content).toBe(
      referralText('Semester', NOW, NOW + 48 * HOUR, 'Europe/Stockholm'),
    );
    expect(world.graph.users.get(ANNA)?.message?.content).toMatch(/^Semester, åter .*3 dec/);
  });

  it('retries after 429 honouring Retry-After, in order', async () => {
    world.graph.failures.push({ status: 429, fixture: 'error-429-too-many-requests', retryAfter: '30' });
    world.sink.upsertSync(entry('anna', 'm1', NOW - MINUTE));
    const first = await world.deliver(NOW);
    expect(first).toMatchObject({ delivered: 0, failed: 1, nextDueAt: NOW + 30_000 });
    expect((await world.deliver(NOW + 29_000)).delivered).toBe(0);
    expect((await world.deliver(NOW + 30_000)).delivered).toBeGreaterThan(0);
    expect(world.graph.users.get(ANNA)?.preferred?.availability).toBe('Busy');
  });

  it('parks a change as dead on 403 (permission) and on 404 (no such user), saying what to do', async () => {
    world.graph.failures.push({ status: 403, fixture: 'error-403-forbidden' });
    world.sink.upsertSync(entry('anna', 'm1', NOW - MINUTE));
    expect(await world.deliver(NOW)).toMatchObject({ dead: 1 });
    world.graph.failures.push({ status: 404, fixture: 'error-404-not-found' });
    world.sink.upsertSync(entry('anna', 'm2', NOW - MINUTE));
    expect(await world.deliver(NOW)).toMatchObject({ dead: 1 });
    const dead = world.db
      .prepare("SELECT last_error FROM outbox WHERE status = 'dead' ORDER BY seq")
      .all() as {
      last_error: string;
    }[];
    expect(dead[0]?.last_error).toContain('Presence.ReadWrite.All');
    expect(dead[1]?.last_error).toContain('HTTP 404, NotFound');
    expect(JSON.stringify(dead)).not.toContain(ANNA);
  });

  it('formats durations no longer than the entry and local expiry times', () => {
    expect(presenceDuration(90 * MINUTE + 59_999)).toBe('PT1H30M59S');
    expect(presenceDuration(10)).toBe('PT1S');
    expect(graphDateTime(Date.UTC(2026, 6, 1, 12, 30), 'Europe/Stockholm')).toEqual({
      dateTime: '2026-07-01T14:30:00',
      timeZone: 'W. Europe Standard Time',
    });
  });
});
