import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IcsReadError } from '../../../src/adapters/ical/ics-errors.js';
import { readIcs } from '../../../src/adapters/ical/read-ics.js';
import { ROOT } from '../../helpers/sample-config.js';

const WINDOW = { from: Date.parse('2026-11-29T23:00:00Z'), to: Date.parse('2026-12-14T23:00:00Z') };
const BOMB = readFileSync(path.join(ROOT, 'fixtures/ical/conformance/zone-bomb.ics'), 'utf8');

function zoneFeed(tzid: string, observances: string[], start: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//hanvisa//zones//EN',
    'BEGIN:VTIMEZONE',
    `TZID:${tzid}`,
    ...observances,
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    'UID:zoned',
    `DTSTART;TZID=${tzid}:${start}`,
    'DURATION:PT1H',
    'SUMMARY:MÖT: x',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

const LISBON_LIKE = [
  'BEGIN:STANDARD',
  'DTSTART:19701025T020000',
  'TZOFFSETFROM:+0300',
  'TZOFFSETTO:+0300',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
];

/** A central European zone written out by the feed (as Outlook and Google do). */
const CET = [
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'DTSTART:16010325T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'DTSTART:16011028T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
];

describe("the feed's own VTIMEZONEs", () => {
  it('the FREQ=MINUTELY zone bomb fails on the zone budget, quickly and in little memory', async () => {
    const before = process.memoryUsage().rss;
    const error = await readIcs(BOMB, { window: WINDOW, timeZone: 'Europe/Stockholm' }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(IcsReadError);
    expect((error as IcsReadError).kind).toBe('budget');
    expect((error as IcsReadError).message).toMatch(/ics\.maxZoneTransitions\b/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('the per-feed zone budget counts every zone together', async () => {
    const error = await readIcs(zoneFeed('Own/Zone', CET, '20261201T100000'), {
      window: WINDOW,
      timeZone: 'Europe/Stockholm',
      budgets: { maxZoneTransitionsPerFeed: 100 },
    }).then(
      () => null,
      (caught: unknown) => caught as IcsReadError,
    );
    expect(error?.message).toMatch(/ics\.maxZoneTransitionsPerFeed/);
  });

  it('a zone defined from 1601 is read within the budget', async () => {
    const result = await readIcs(zoneFeed('Own/Zone', CET, '20261201T100000'), {
      window: WINDOW,
      timeZone: 'UTC',
    });
    expect(new Date(result.occurrences[0]?.start ?? 0).toISOString()).toBe('2026-12-01T09:00:00.000Z');
  });

  it("a TZID that is an IANA name in another case is read by the feed's own definition", async () => {
    const result = await readIcs(zoneFeed('Europe/lisbon', LISBON_LIKE, '20261201T100000'), {
      window: WINDOW,
      timeZone: 'UTC',
    });
    // The feed says +03:00; the real Lisbon would be +00:00 in December.
    expect(new Date(result.occurrences[0]?.start ?? 0).toISOString()).toBe('2026-12-01T07:00:00.000Z');
  });

  it('an ambiguous local time in the autumn fold is its first occurrence (RFC 5545 §3.3.5)', async () => {
    const window = { from: Date.parse('2026-10-24T00:00:00Z'), to: Date.parse('2026-10-26T00:00:00Z') };
    const result = await readIcs(zoneFeed('Own/Zone', CET, '20261025T023000'), { window, timeZone: 'UTC' });
    expect(new Date(result.occurrences[0]?.start ?? 0).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('a spring-gap local time is read with the offset from before the gap', async () => {
    const window = { from: Date.parse('2026-03-28T00:00:00Z'), to: Date.parse('2026-03-30T00:00:00Z') };
    const result = await readIcs(zoneFeed('Own/Zone', CET, '20260329T023000'), { window, timeZone: 'UTC' });
    expect(new Date(result.occurrences[0]?.start ?? 0).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});
