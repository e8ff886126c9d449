import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncCycle } from '../../../src/app/sync-cycle.js';
import {
  ANNA_ID,
  fixture,
  GRAPH,
  harness,
  NOW,
  nockToken,
  WINDOW_FROM,
  WINDOW_TO,
} from './graph-test-kit.js';

type Answer = [number, unknown, Record<string, string>?];

/** Graph's JSON $batch endpoint in nock: each inner GET is answered from `answers` by path and query (in order, per key). */
function nockBatch(answers: Map<string, Answer[]>, seen: { batches: number; inner: string[] }) {
  return nock(GRAPH)
    .post('/v1.0/$batch')
    .times(50)
    .reply(200, (_uri, body) => {
      seen.batches++;
      const { requests } = body as {
        requests: { id: string; method: string; url: string; headers: Record<string, string> }[];
      };
      return {
        responses: requests.map((request) => {
          const url = new URL(request.url, 'https://x');
          const key = `${decodeURIComponent(url.pathname)}?${[...url.searchParams]
            .map(([k, v]) => `${k}=${v}`)
            .sort()
            .join('&')}`;
          seen.inner.push(key);
          const queue = answers.get(key);
          const [status, answer, headers] = queue?.shift() ?? [
            404,
            { error: { code: 'ErrorItemNotFound', message: key } },
          ];
          return {
            id: request.id,
            status,
            headers: { 'Content-Type': 'application/json', ...headers },
            body: answer,
          };
        }),
      };
    });
}

const first = (user: string) =>
  `/users/${user}/calendarView/delta?endDateTime=${WINDOW_TO}&startDateTime=${WINDOW_FROM}`;

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('Graph JSON $batch (graph.batchSize)', () => {
  it('a first round of several mailboxes travels in $batch requests and yields the same register', async () => {
    const h = harness({ batchSize: 20 });
    nockToken(1);
    const answers = new Map<string, Answer[]>([
      [first('anna.andersson@vara.se'), [[200, fixture('first-round-page-1.json')]]],
      [
        `/users/${ANNA_ID}/calendarView/delta?$skiptoken=R0usmcCM996atia_s-page2`,
        [[200, fixture('first-round-page-2.json')]],
      ],
      [
        `/users/${ANNA_ID}/calendarView/delta?$skiptoken=R0usmcCM996atia_s-page3`,
        [[200, fixture('first-round-page-3.json')]],
      ],
      [
        '/users/anna.andersson@vara.se/events/AAMkAGI2TGuLAAA-series-ledning=?$select=id,subject,sensitivity,showAs,isAllDay,isCancelled,createdDateTime,lastModifiedDateTime,isOrganizer,originalStartTimeZone,changeKey,type',
        [[200, fixture('series-master.json')]],
      ],
      [
        first('bo.berg@vara.se'),
        [
          [429, fixture('error-429-throttled.json'), { 'Retry-After': '2' }],
          [200, fixture('incremental-empty.json')],
        ],
      ],
      [first('cecilia.carlsson@vara.se'), [[200, fixture('incremental-empty.json')]]],
      [first('david.dahl@vara.se'), [[404, fixture('error-404-mailbox-not-found.json')]]],
    ]);
    const seen = { batches: 0, inner: [] as string[] };
    nockBatch(answers, seen);
    const results = await syncCycle(h.deps, h.config.calendars, { now: NOW, concurrency: 4 });
    const byCalendar = new Map(results.map((result) => [result.calendar, result]));
    expect(byCalendar.get('anna/graph-1')?.created).toBe(9);
    expect(byCalendar.get('bo/graph-1')?.error).toBeNull();
    expect(byCalendar.get('cecilia/graph-1')?.error).toBeNull();
    expect(byCalendar.get('david/graph-1')?.error).toMatch(/^calendar david\/graph-1: mailbox not found/);
    // the inner 429 waited what Retry-After said and went again
    expect(h.sleeps).toEqual([2000]);
    expect(h.source.http.stats.batched).toBe(seen.inner.length);
    expect(seen.inner).toHaveLength(8);
    // fewer HTTP requests than Graph requests: the first requests of all four mailboxes shared one $batch
    expect(seen.batches).toBeLessThan(seen.inner.length);
    expect(h.source.http.stats.requests).toBe(seen.batches);
    const entries = await h.sink.list({ calendar: 'anna/graph-1' });
    expect(entries.map((entry) => new Date(entry.start).toISOString())).toEqual([
      '2025-03-20T08:00:00.000Z',
      '2025-03-20T12:00:00.000Z',
      '2025-03-21T11:00:00.000Z',
      '2025-03-24T12:00:00.000Z',
      '2025-03-25T12:00:00.000Z',
      '2025-03-26T09:00:00.000Z',
      '2025-03-27T23:00:00.000Z',
      '2025-03-29T23:00:00.000Z',
      '2025-04-01T11:00:00.000Z',
    ]);
  });

  it('a $batch that fails as a whole fails each of its calendars transiently, and nothing is applied', async () => {
    const h = harness({ batchSize: 20 });
    nockToken(1);
    nock(GRAPH)
      .post('/v1.0/$batch')
      .times(3)
      .reply(503, fixture('error-503-unavailable.json') as nock.Body);
    const results = await syncCycle(h.deps, h.config.calendars, { now: NOW, concurrency: 4 });
    for (const result of results) {
      expect(result.status).toBe('failed');
      expect(result.transient).toBe(true);
    }
    expect(h.sink.appliedPlans).toBe(0);
  });
});
