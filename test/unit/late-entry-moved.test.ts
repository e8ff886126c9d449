import { describe, expect, it } from 'vitest';
import { toOccurrence } from '../../src/adapters/graph/graph-event.js';
import { readIcs } from '../../src/adapters/ical/read-ics.js';
import { assessLateEntry } from '../../src/domain/rules/late-entry.js';
import { LocalDays } from '../../src/domain/rules/local-days.js';

const ZONE = 'Europe/Stockholm';
const days = new LocalDays(ZONE, '08:00');
const at = (iso: string) => Date.parse(iso);
/** hanvisa's first round that sees the moved instance (after the move). */
const NOW = at('2026-12-03T09:00:00Z');
const firstSight = { event: NOW, day: NOW, planned: NOW };

const FEED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//hanvisa//moved//EN',
  'BEGIN:VEVENT',
  'UID:weekly',
  'CREATED:20260105T080000Z',
  'LAST-MODIFIED:20260105T080000Z',
  'DTSTART;TZID=Europe/Stockholm:20260105T100000',
  'DURATION:PT1H',
  'RRULE:FREQ=WEEKLY;BYDAY=MO',
  'SUMMARY:MÖT: Styrgrupp',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:weekly',
  'RECURRENCE-ID;TZID=Europe/Stockholm:20261207T100000',
  // Moved from Monday 7 to Thursday 3 December, on Thursday at 08:30: after that day's deadline.
  'DTSTART;TZID=Europe/Stockholm:20261203T130000',
  'DURATION:PT1H',
  'LAST-MODIFIED:20261203T073000Z',
  'SUMMARY:MÖT: Styrgrupp',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('late entry of an instance moved onto another day before hanvisa first saw it', () => {
  it('ICS: the override (RECURRENCE-ID on another day, LAST-MODIFIED) bounds enteredAt', async () => {
    const { occurrences } = await readIcs(FEED, {
      window: { from: at('2026-12-02T23:00:00Z'), to: at('2026-12-03T23:00:00Z') },
      timeZone: ZONE,
    });
    expect(occurrences).toHaveLength(1);
    const verdict = assessLateEntry(
      occurrences[0] as never,
      firstSight,
      { now: NOW, previousSuccessAt: at('2026-12-03T08:55:00Z') },
      days,
    );
    expect(verdict).toMatchObject({
      kind: 'late',
      basis: 'modified',
      approximate: true,
      enteredAt: at('2026-12-03T07:30:00Z'),
      deadline: at('2026-12-03T07:00:00Z'),
    });
  });

  it('Graph: an exception with originalStart on another day and its lastModifiedDateTime', () => {
    const occurrence = toOccurrence(
      {
        id: 'exception-1',
        type: 'exception',
        seriesMasterId: 'master-1',
        subject: 'MÖT: Styrgrupp',
        start: { dateTime: '2026-12-03T12:00:00.0000000', timeZone: 'UTC' },
        end: { dateTime: '2026-12-03T13:00:00.0000000', timeZone: 'UTC' },
        originalStart: '2026-12-07T09:00:00Z',
        createdDateTime: '2026-01-05T08:00:00Z',
        lastModifiedDateTime: '2026-12-03T07:30:00Z',
      } as never,
      null,
      ZONE,
    );
    const verdict = assessLateEntry(
      occurrence as never,
      firstSight,
      { now: NOW, previousSuccessAt: null },
      days,
    );
    expect(verdict).toMatchObject({ kind: 'late', basis: 'modified', enteredAt: at('2026-12-03T07:30:00Z') });
  });

  it('an instance on its own day keeps the series creation time (no move, on time)', async () => {
    const { occurrences } = await readIcs(FEED, {
      window: { from: at('2026-11-29T23:00:00Z'), to: at('2026-11-30T23:00:00Z') },
      timeZone: ZONE,
    });
    const verdict = assessLateEntry(
      occurrences[0] as never,
      firstSight,
      { now: NOW, previousSuccessAt: null },
      days,
    );
    expect(verdict).toMatchObject({ kind: null, basis: 'created' });
  });
});
