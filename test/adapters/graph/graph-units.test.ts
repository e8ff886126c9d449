import { describe, expect, it } from 'vitest';
import { RequestLimiter } from '../../../src/adapters/graph/concurrency-limiter.js';
import { decodeCursor, encodeCursor, itemKey } from '../../../src/adapters/graph/graph-cursor.js';
import { type GraphEvent, toOccurrence } from '../../../src/adapters/graph/graph-event.js';
import { retryAfterMs } from '../../../src/adapters/http/retry-after.js';

const NOW = Date.parse('2025-03-19T07:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    ['2', 2000],
    [' 0 ', 0],
    ['1.5', 1500],
    ['Wed, 19 Mar 2025 07:00:03 GMT', 3000],
    ['Wed, 19 Mar 2025 06:59:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
  ] as const)('%s → %s', (header, expected) => {
    expect(retryAfterMs(header, NOW)).toBe(expected);
  });
});

const base = {
  id: 'AAMk-1=',
  type: 'singleInstance',
  subject: 'MÖT: x',
  sensitivity: 'normal',
  showAs: 'busy',
  isCancelled: false,
  isOrganizer: true,
  createdDateTime: '2025-03-10T08:12:31.4785713Z',
  lastModifiedDateTime: '2025-03-11T09:00:00Z',
} satisfies Partial<GraphEvent>;
const at = (dateTime: string, timeZone = 'UTC') => ({ dateTime, timeZone });
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('toOccurrence', () => {
  it.each([
    {
      name: 'all-day, floating midnight, last Sunday of March (23 h)',
      item: {
        ...base,
        isAllDay: true,
        start: at('2025-03-30T00:00:00.0000000'),
        end: at('2025-03-31T00:00:00.0000000'),
      },
      start: '2025-03-29T23:00:00.000Z',
      end: '2025-03-30T22:00:00.000Z',
    },
    {
      name: 'all-day, last Sunday of October (25 h)',
      item: {
        ...base,
        isAllDay: true,
        start: at('2025-10-26T00:00:00.0000000'),
        end: at('2025-10-27T00:00:00.0000000'),
      },
      start: '2025-10-25T22:00:00.000Z',
      end: '2025-10-26T23:00:00.000Z',
    },
    {
      name: 'all-day given converted from its own zone (W. Europe midnight as UTC)',
      item: {
        ...base,
        isAllDay: true,
        originalStartTimeZone: 'W. Europe Standard Time',
        start: at('2025-03-27T23:00:00.0000000'),
        end: at('2025-03-29T23:00:00.0000000'),
      },
      start: '2025-03-27T23:00:00.000Z',
      end: '2025-03-29T23:00:00.000Z',
    },
    {
      name: 'all-day of an event from another zone (Pacific) lands on local midnights of Stockholm',
      item: {
        ...base,
        isAllDay: true,
        originalStartTimeZone: 'Pacific Standard Time',
        start: at('2025-03-20T07:00:00.0000000'),
        end: at('2025-03-21T07:00:00.0000000'),
      },
      start: '2025-03-19T23:00:00.000Z',
      end: '2025-03-20T23:00:00.000Z',
    },
    {
      name: 'a start in a Windows zone (Prefer header ignored)',
      item: {
        ...base,
        start: at('2025-03-20T09:00:00.0000000', 'W. Europe Standard Time'),
        end: at('2025-03-20T10:00:00.0000000', 'W. Europe Standard Time'),
      },
      start: '2025-03-20T08:00:00.000Z',
      end: '2025-03-20T09:00:00.000Z',
    },
  ])('$name', ({ item, start, end }) => {
    const occurrence = toOccurrence(item as GraphEvent, null, 'Europe/Stockholm');
    expect([iso(occurrence?.start), iso(occurrence?.end)]).toEqual([start, end]);
  });

  it('a bare occurrence borrows subject, sensitivity, created and organizer from its master; uid and recurrenceId name the series instance', () => {
    const occurrence = toOccurrence(
      {
        id: 'AAMk-occ=',
        type: 'occurrence',
        seriesMasterId: 'AAMk-master=',
        start: at('2025-03-24T12:00:00.0000000'),
        end: at('2025-03-24T13:00:00.0000000'),
      },
      {
        subject: 'LUN: y',
        sensitivity: 'confidential',
        showAs: 'oof',
        isAllDay: false,
        isCancelled: false,
        createdDateTime: '2025-01-07T10:00:00Z',
        lastModifiedDateTime: '2025-03-18T16:02:11Z',
        isOrganizer: false,
        changeKey: 'CK',
      },
      'Europe/Stockholm',
    );
    expect(occurrence).toEqual({
      uid: 'AAMk-master=',
      recurrenceId: '2025-03-24T12:00:00.000Z',
      start: Date.parse('2025-03-24T12:00:00Z'),
      end: Date.parse('2025-03-24T13:00:00Z'),
      allDay: false,
      status: 'confirmed',
      showAs: 'oof',
      private: true,
      createdAt: Date.parse('2025-01-07T10:00:00Z'),
      modifiedAt: Date.parse('2025-03-18T16:02:11Z'),
      organizerIsSelf: false,
      subject: 'LUN: y',
    });
  });

  it('maps cancelled, private and unknown showAs; keeps 7-digit fractions exact to the millisecond', () => {
    const occurrence = toOccurrence(
      {
        ...base,
        isCancelled: true,
        sensitivity: 'private',
        showAs: 'somethingNew',
        start: at('2025-03-20T08:00:00.1234567'),
        end: at('2025-03-20T09:00:00.0000000'),
      } as GraphEvent,
      null,
      'Europe/Stockholm',
    );
    expect(occurrence).toMatchObject({
      uid: 'AAMk-1=',
      recurrenceId: null,
      status: 'cancelled',
      private: true,
      showAs: 'unknown',
      start: Date.parse('2025-03-20T08:00:00.123Z'),
      createdAt: Date.parse('2025-03-10T08:12:31.478Z'),
    });
  });
});

describe('graph cursor', () => {
  it('round-trips the delta query, the window and the item index', () => {
    const index = new Map([
      [itemKey('AAMk-a='), { uid: 'AAMk-a=', start: 1 }],
      [itemKey('AAMk-occ-1='), { uid: 'AAMk-master=', start: 2 }],
      [itemKey('AAMk-occ-2='), { uid: 'AAMk-master=', start: 3 }],
    ]);
    const cursor = encodeCursor({ deltaQuery: '?$deltatoken=x', window: { from: 10, to: 20 }, index });
    expect(decodeCursor(cursor)).toEqual({
      deltaQuery: '?$deltatoken=x',
      window: { from: 10, to: 20 },
      index,
    });
    expect(decodeCursor({ etag: 'W/"1"' })).toBeNull();
    expect(decodeCursor({ ...cursor, index: '{broken' })).toBeNull();
  });
});

describe('RequestLimiter', () => {
  it('holds at most 4 per mailbox and the global cap overall', async () => {
    const limiter = new RequestLimiter(6, 4);
    const active = new Map<string, number>();
    let total = 0;
    let peakTotal = 0;
    let peakKey = 0;
    const task = (key: string) =>
      limiter.run(key, async () => {
        active.set(key, (active.get(key) ?? 0) + 1);
        total++;
        peakTotal = Math.max(peakTotal, total);
        peakKey = Math.max(peakKey, active.get(key) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 2));
        active.set(key, (active.get(key) ?? 1) - 1);
        total--;
      });
    await Promise.all([
      ...Array.from({ length: 20 }, () => task('a')),
      ...Array.from({ length: 20 }, () => task('b')),
      ...Array.from({ length: 5 }, (_, index) => task(`c${index}`)),
    ]);
    expect(peakKey).toBe(4);
    expect(peakTotal).toBe(6);
  });
});
