import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIcsSource, type IcsSettings } from '../../../src/adapters/ical/ics-source.js';
import type { CalendarRef } from '../../../src/app/ports/calendar-source.js';
import { PermanentError, TransientError } from '../../../src/domain/errors.js';

const FEED_HOST = 'https://feeds.example.com';
const SECRET_PATH = '/owa/calendar/s3cr3t-token/calendar.ics';
const CALENDAR: CalendarRef = {
  id: 'anna/ics-1',
  employee: 'anna',
  kind: 'ics',
  address: `${FEED_HOST}${SECRET_PATH}`,
};
const WINDOW = { from: Date.parse('2026-03-01T00:00:00Z'), to: Date.parse('2026-03-16T00:00:00Z') };
const NEXT_WINDOW = { from: Date.parse('2026-03-02T00:00:00Z'), to: Date.parse('2026-03-17T00:00:00Z') };

const FEED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//test//EN',
  'BEGIN:VEVENT',
  'UID:one@example.com',
  'DTSTART:20260305T080000Z',
  'DTEND:20260305T090000Z',
  'SUMMARY:MÖT: Budget',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const SETTINGS: IcsSettings = {
  allowPrivateHosts: [],
  timeoutMs: 2_000,
  maxBytes: 64 * 1024,
  maxDecompressedBytes: 256 * 1024,
  maxRedirects: 5,
  maxEventsPerFeed: 1_000,
  maxOccurrencesPerSeries: 500,
  recurrenceStepBudget: 100_000,
};

function source(settings: Partial<IcsSettings> = {}) {
  return createIcsSource({ timeZone: 'Europe/Stockholm', ics: { ...SETTINGS, ...settings } });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function expectNamesCalendarOnly(error: Error) {
  expect(error.message).toContain('calendar anna/ics-1');
  expect(error.message).not.toContain('s3cr3t');
  expect(error.message).not.toContain('feeds.example.com');
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('conditional requests', () => {
  it('reads a 200, then a 304 for the same ETag is unchanged', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(200, FEED, { ETag: '"v1"', 'Content-Type': 'text/calendar' });
    const first = await source().fetch(CALENDAR, WINDOW, null);
    expect(first.kind).toBe('snapshot');
    if (first.kind !== 'snapshot') return;
    expect(first.occurrences).toHaveLength(1);
    expect(first.cursor?.etag).toBe('"v1"');

    nock(FEED_HOST).get(SECRET_PATH).matchHeader('if-none-match', '"v1"').reply(304);
    const second = await source().fetch(CALENDAR, WINDOW, first.cursor);
    expect(second).toEqual({ kind: 'unchanged', cursor: first.cursor });
  });

  it('sends If-Modified-Since from Last-Modified', async () => {
    const modified = 'Wed, 04 Mar 2026 10:00:00 GMT';
    nock(FEED_HOST).get(SECRET_PATH).reply(200, FEED, { 'Last-Modified': modified });
    const first = await source().fetch(CALENDAR, WINDOW, null);
    expect(first.cursor?.lastModified).toBe(modified);
    nock(FEED_HOST).get(SECRET_PATH).matchHeader('if-modified-since', modified).reply(304);
    expect((await source().fetch(CALENDAR, WINDOW, first.cursor)).kind).toBe('unchanged');
  });

  it('calls an unchanged body unchanged when the server has no validators', async () => {
    nock(FEED_HOST).get(SECRET_PATH).twice().reply(200, FEED);
    const first = await source().fetch(CALENDAR, WINDOW, null);
    const second = await source().fetch(CALENDAR, WINDOW, first.cursor);
    expect(second.kind).toBe('unchanged');
  });

  it('reads the feed again, unconditionally, when the window moved (a new day)', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(200, FEED, { ETag: '"v1"' });
    const first = await source().fetch(CALENDAR, WINDOW, null);
    nock(FEED_HOST, { badheaders: ['if-none-match'] })
      .get(SECRET_PATH)
      .reply(200, FEED, { ETag: '"v1"' });
    const second = await source().fetch(CALENDAR, NEXT_WINDOW, first.cursor);
    expect(second.kind).toBe('snapshot');
  });

  it('fetches webcal:// over https', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(200, FEED);
    const result = await source().fetch(
      { ...CALENDAR, address: `webcal://feeds.example.com${SECRET_PATH}` },
      WINDOW,
      null,
    );
    expect(result.kind).toBe('snapshot');
  });

  it('reads a gzip body', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(200, gzipSync(FEED), { 'Content-Encoding': 'gzip' });
    const result = await source().fetch(CALENDAR, WINDOW, null);
    expect(result.kind === 'snapshot' && result.occurrences.length).toBe(1);
  });
});

describe('redirects', () => {
  function chain(length: number) {
    for (let hop = 0; hop < length; hop++) {
      nock(FEED_HOST)
        .get(`/hop/${hop}`)
        .reply(302, '', { Location: `/hop/${hop + 1}` });
    }
    nock(FEED_HOST).get(`/hop/${length}`).reply(200, FEED);
  }

  it('follows 5 redirects', async () => {
    chain(5);
    const result = await source().fetch({ ...CALENDAR, address: `${FEED_HOST}/hop/0` }, WINDOW, null);
    expect(result.kind).toBe('snapshot');
  });

  it('refuses the 6th', async () => {
    chain(6);
    const error = await failure(source().fetch({ ...CALENDAR, address: `${FEED_HOST}/hop/0` }, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/redirects more than 5 times/);
    nock.cleanAll(); // the final hop is never asked for
  });

  it('refuses a redirect to a private address literal', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(301, '', { Location: 'http://169.254.169.254/latest/meta-data/' });
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/private/);
    expect(error.message).not.toContain('169.254');
    expectNamesCalendarOnly(error);
  });
});

describe('caps and failures', () => {
  it('refuses a body over the cap (declared)', async () => {
    nock(FEED_HOST)
      .get(SECRET_PATH)
      .reply(200, 'x'.repeat(SETTINGS.maxBytes + 1));
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/ics\.maxBytes/);
    expectNamesCalendarOnly(error);
  });

  it('refuses a body over the cap (streamed without a length)', async () => {
    const big = Buffer.alloc(SETTINGS.maxBytes * 2, 'x');
    nock(FEED_HOST)
      .get(SECRET_PATH)
      .reply(200, () => Readable.from([big.subarray(0, SETTINGS.maxBytes), big.subarray(SETTINGS.maxBytes)]));
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/ics\.maxBytes/);
  });

  it('refuses a gzip bomb: small on the wire, huge decompressed', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0));
    expect(bomb.length).toBeLessThan(SETTINGS.maxBytes);
    nock(FEED_HOST).get(SECRET_PATH).reply(200, bomb, { 'Content-Encoding': 'gzip' });
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/gzip bomb/);
  });

  it('times out as a transient error', async () => {
    nock(FEED_HOST).get(SECRET_PATH).delay(3_000).reply(200, FEED);
    const error = await failure(source({ timeoutMs: 100 }).fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/ics\.timeoutMs/);
    expectNamesCalendarOnly(error);
    nock.abortPendingRequests();
  });

  it('a 500 is transient and keeps Retry-After', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(503, 'down', { 'Retry-After': '120' });
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(120_000);
    expectNamesCalendarOnly(error);
  });

  it('a 500 without Retry-After is transient', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(500, 'oops');
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/HTTP 500/);
  });

  it('a 404 is permanent and says what to check', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(404, 'gone');
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/HTTP 404.*still published/);
    expectNamesCalendarOnly(error);
  });

  it('an HTML page instead of a feed is a permanent format error', async () => {
    nock(FEED_HOST).get(SECRET_PATH).reply(200, '<html><body>Sign in</body></html>');
    const error = await failure(source().fetch(CALENDAR, WINDOW, null));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/not an iCalendar feed/);
  });
});
