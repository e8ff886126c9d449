import { describe, expect, it } from 'vitest';
import { quickSkip } from '../../src/adapters/ical/ics-quick-scan.js';

const DAY = 86_400_000;
const WALL_FROM = Date.parse('2026-04-01T00:00:00Z') - 2 * DAY;
const WALL_TO = Date.parse('2026-04-15T00:00:00Z') + 2 * DAY;

const block = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n');

describe('quickSkip: single events far from the window are skipped unparsed', () => {
  it.each([
    ['a timed event next year', block('UID:a', 'DTSTART:20270101T080000Z', 'DTEND:20270101T090000Z')],
    [
      'an event last year',
      block(
        'UID:a',
        'DTSTART;TZID=Europe/Stockholm:20250101T080000',
        'DTEND;TZID=Europe/Stockholm:20250101T090000',
      ),
    ],
    ['an all-day event last year without DTEND', block('UID:a', 'DTSTART;VALUE=DATE:20250101')],
    [
      'a folded DTSTART (long TZID)',
      block('UID:a', 'DTSTART;TZID=W. Europe Standard\r\n  Time:20270101T080000', 'DTEND:20270101T090000Z'),
    ],
  ])('%s', (_name, text) => {
    expect(quickSkip(text, WALL_FROM, WALL_TO)).toEqual({ uid: 'a', sequence: 0, lastModified: null });
  });

  it('keeps what tells copies apart', () => {
    const text = block(
      'UID:copy@x',
      'SEQUENCE:3',
      'LAST-MODIFIED:20250102T030405Z',
      'DTSTART:20270101T080000Z',
    );
    expect(quickSkip(text, WALL_FROM, WALL_TO)).toEqual({
      uid: 'copy@x',
      sequence: 3,
      lastModified: Date.parse('2025-01-02T03:04:05Z'),
    });
  });

  it.each([
    ['an event in the window', block('UID:a', 'DTSTART:20260405T080000Z', 'DTEND:20260405T090000Z')],
    ['an event that spans the window', block('UID:a', 'DTSTART:20250101T080000Z', 'DTEND:20270101T090000Z')],
    ['a series', block('UID:a', 'DTSTART:20250101T080000Z', 'RRULE:FREQ=WEEKLY')],
    ['a lower-case series', block('UID:a', 'DTSTART:20250101T080000Z', 'rrule:FREQ=WEEKLY')],
    ['RDATE', block('UID:a', 'DTSTART:20250101T080000Z', 'RDATE:20260405T080000Z')],
    ['an exception', block('UID:a', 'RECURRENCE-ID:20250101T080000Z', 'DTSTART:20250101T080000Z')],
    ['a DURATION', block('UID:a', 'DTSTART:20250101T080000Z', 'DURATION:P500D')],
    ['no UID', block('DTSTART:20270101T080000Z')],
    ['an escaped UID', block('UID:a\\,b', 'DTSTART:20270101T080000Z')],
    ['a quoted parameter', block('UID:a', 'DTSTART;TZID="Customized: zone":20270101T080000')],
    ['an invalid date', block('UID:a', 'DTSTART:20271399T080000Z')],
    ['a DTEND that cannot be read', block('UID:a', 'DTSTART:20250101T080000Z', 'DTEND:soon')],
    ['a SEQUENCE that cannot be read', block('UID:a', 'SEQUENCE:x', 'DTSTART:20270101T080000Z')],
    ['no DTSTART', block('UID:a', 'SUMMARY:x')],
  ])('parses %s', (_name, text) => {
    expect(quickSkip(text, WALL_FROM, WALL_TO)).toBeNull();
  });
});
