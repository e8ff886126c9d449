import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ICS_BUDGETS, FeedBudget } from '../../../src/adapters/ical/ics-budget.js';
import { IcsReadError } from '../../../src/adapters/ical/ics-errors.js';
import { createIcsSource } from '../../../src/adapters/ical/ics-source.js';
import { ianaZone, ZoneResolver } from '../../../src/adapters/ical/ics-zones.js';
import { readIcs } from '../../../src/adapters/ical/read-ics.js';
import { PermanentError } from '../../../src/domain/errors.js';

const WINDOW = { from: Date.parse('2026-04-01T00:00:00Z'), to: Date.parse('2026-04-15T00:00:00Z') };
const SECRET = 'Lönesamtal med Anna om uppsägning';

async function readError(text: string): Promise<IcsReadError> {
  try {
    await readIcs(text, { window: WINDOW, timeZone: 'Europe/Stockholm' });
  } catch (error) {
    expect(error).toBeInstanceOf(IcsReadError);
    return error as IcsReadError;
  }
  throw new Error('expected a read error');
}

const lines = (...items: string[]) => `${items.join('\r\n')}\r\n`;

const GOOD = ['BEGIN:VEVENT', 'UID:good', 'DTSTART:20260403T080000Z', 'SUMMARY:MÖT: x', 'END:VEVENT'];

describe('one bad event costs one event: skipped, told by line, without its text', () => {
  it.each([
    [
      'an unparsable content line',
      lines(
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART:20260402T080000Z',
        SECRET,
        'END:VEVENT',
        ...GOOD,
        'END:VCALENDAR',
      ),
      /^line 2: an event cannot be read \(it is not valid iCalendar\); it is skipped/,
    ],
    [
      'an invalid DTSTART',
      lines(
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART:2026-04-02 08:00',
        `SUMMARY:${SECRET}`,
        'END:VEVENT',
        ...GOOD,
        'END:VCALENDAR',
      ),
      /^line 2: an event cannot be read \(an invalid DTSTART value\)/,
    ],
    [
      'an impossible date (30 February), never rolled into March',
      lines(
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART;VALUE=DATE:20260230',
        `SUMMARY:${SECRET}`,
        'END:VEVENT',
        ...GOOD,
        'END:VCALENDAR',
      ),
      /^line 2: an event cannot be read \(an invalid DTSTART value\)/,
    ],
    [
      'no DTSTART (and no METHOD)',
      lines(
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:a',
        `SUMMARY:${SECRET}`,
        'END:VEVENT',
        ...GOOD,
        'END:VCALENDAR',
      ),
      /^line 3: an event cannot be read \(no DTSTART\)/,
    ],
    [
      'a VEVENT never closed',
      lines('BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', `SUMMARY:${SECRET}`, ...GOOD, 'END:VCALENDAR'),
      /^line 2: an event cannot be read \(it is never closed with END:VEVENT\)/,
    ],
    [
      'a huge DURATION',
      lines(
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART:20260402T080000Z',
        'DURATION:P99999999999D',
        `SUMMARY:${SECRET}`,
        'END:VEVENT',
        ...GOOD,
        'END:VCALENDAR',
      ),
      /^line 2: an event cannot be read \(an invalid DURATION/,
    ],
  ])('%s', async (_name, text, message) => {
    const result = await readIcs(text, { window: WINDOW, timeZone: 'Europe/Stockholm' });
    expect(result.occurrences.map((occurrence) => occurrence.uid)).toEqual(['good']);
    expect(result.unreadable).toEqual([{ uid: 'a', line: expect.any(Number), problem: expect.any(String) }]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(message);
    expect(result.warnings.join()).not.toContain('Lönesamtal');
  });

  it('an END without its BEGIN is dropped; the feed reads', async () => {
    const result = await readIcs(lines('BEGIN:VCALENDAR', 'END:VEVENT', ...GOOD, 'END:VCALENDAR'), {
      window: WINDOW,
      timeZone: 'Europe/Stockholm',
    });
    expect(result.occurrences).toHaveLength(1);
  });

  it('with a METHOD, a VEVENT without DTSTART is allowed (RFC 5546) and simply has no time', async () => {
    const result = await readIcs(
      lines(
        'BEGIN:VCALENDAR',
        'METHOD:PUBLISH',
        'BEGIN:VEVENT',
        'UID:a',
        'END:VEVENT',
        ...GOOD,
        'END:VCALENDAR',
      ),
      { window: WINDOW, timeZone: 'Europe/Stockholm' },
    );
    expect(result.occurrences).toHaveLength(1);
    expect(result.warnings).toEqual([]);
    expect(result.unreadable).toEqual([]);
  });

  it('a feed that is not iCalendar at all still fails as a whole', async () => {
    const error = await readError('<html><body>Logga in</body></html>');
    expect(error.kind).toBe('format');
    expect(error.message).toMatch(/not an iCalendar feed/);
  });

  it('warnings name the zone, not the event', async () => {
    const result = await readIcs(
      lines(
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART;TZID=Nowhere Standard Time:20260402T080000',
        `SUMMARY:${SECRET}`,
        'END:VEVENT',
        'END:VCALENDAR',
      ),
      { window: WINDOW, timeZone: 'Europe/Stockholm' },
    );
    expect(result.warnings).toEqual([
      'unknown time zone "Nowhere Standard Time": read in Europe/Stockholm instead',
    ]);
    expect(result.occurrences[0]?.start).toBe(Date.parse('2026-04-02T06:00:00Z'));
  });
});

describe('the file source', () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'hanvisa-ics-file-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const source = createIcsSource({
    timeZone: 'Europe/Stockholm',
    ics: {
      allowPrivateHosts: [],
      timeoutMs: 1_000,
      maxBytes: 1_000_000,
      maxRedirects: 5,
      maxEventsPerFeed: 100,
      maxOccurrencesPerSeries: 100,
      recurrenceStepBudget: 10_000,
    },
  });
  const calendar = (file: string) => ({
    id: 'cecilia/ics-1',
    employee: 'cecilia',
    kind: 'ics' as const,
    address: file,
  });

  it('a missing file is a permanent error naming the calendar id, not the path', async () => {
    const error = await source
      .fetch(calendar(path.join(directory, 'private-name.ics')), WINDOW, null)
      .catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'calendar cecilia/ics-1: the iCal file does not exist; check the ics path in the config',
    );
  });

  it('a broken event is reported to the sync as unreadable, by UID and line', async () => {
    const file = path.join(directory, 'broken.ics');
    writeFileSync(
      file,
      lines('BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', SECRET, 'END:VEVENT', ...GOOD, 'END:VCALENDAR'),
    );
    const result = await source.fetch(calendar(file), WINDOW, null);
    expect(result).toMatchObject({
      kind: 'snapshot',
      unreadable: [{ uid: 'a', line: 2, problem: 'it is not valid iCalendar' }],
    });
  });

  it('a file larger than ics.maxBytes is refused without being read whole', async () => {
    const small = createIcsSource({
      timeZone: 'Europe/Stockholm',
      ics: {
        allowPrivateHosts: [],
        timeoutMs: 1_000,
        maxBytes: 1_000,
        maxRedirects: 5,
        maxEventsPerFeed: 100,
        maxOccurrencesPerSeries: 100,
        recurrenceStepBudget: 10_000,
      },
    });
    const file = path.join(directory, 'large.ics');
    writeFileSync(file, lines('BEGIN:VCALENDAR', `X-FILL:${'x'.repeat(5_000)}`, 'END:VCALENDAR'));
    const error = await small.fetch(calendar(file), WINDOW, null).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'calendar cecilia/ics-1: the iCal file is larger than the limit (ics.maxBytes = 1000); raise it or trim the file',
    );
  });

  it.each([
    [
      'UTF-16LE with a BOM',
      (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    ],
    ['UTF-16LE without a BOM', (text: string) => Buffer.from(text, 'utf16le')],
    ['UTF-16BE with a BOM', (text: string) => Buffer.from(`\ufeff${text}`, 'utf16le').swap16()],
    ['UTF-8 with a BOM', (text: string) => Buffer.from(`\ufeff${text}`, 'utf8')],
  ])('a file in %s reads', async (_name, encode) => {
    const file = path.join(directory, 'encoded.ics');
    writeFileSync(file, encode(lines('BEGIN:VCALENDAR', ...GOOD, 'END:VCALENDAR')));
    const result = await source.fetch(calendar(file), WINDOW, null);
    expect(result.kind === 'snapshot' && result.occurrences.map((item) => item.subject)).toEqual(['MÖT: x']);
  });

  it('the same bytes in the same window are unchanged; a new window reads again', async () => {
    const file = path.join(directory, 'ok.ics');
    writeFileSync(
      file,
      lines(
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:a',
        'DTSTART:20260402T080000Z',
        'SUMMARY:MÖT: x',
        'END:VEVENT',
        'END:VCALENDAR',
      ),
    );
    const first = await source.fetch(calendar(file), WINDOW, null);
    expect(first.kind).toBe('snapshot');
    const second = await source.fetch(calendar(file), WINDOW, first.cursor);
    expect(second.kind).toBe('unchanged');
    const moved = await source.fetch(
      calendar(file),
      { from: WINDOW.from + 86_400_000, to: WINDOW.to + 86_400_000 },
      first.cursor,
    );
    expect(moved.kind).toBe('snapshot');
  });
});

describe('zones', () => {
  const stockholm = ianaZone('Europe/Stockholm');
  it.each([
    [
      '2026-03-29T02:30:00Z',
      '2026-03-29T01:30:00.000Z',
      'the spring gap reads with the offset from before it',
    ],
    [
      '2026-10-25T02:30:00Z',
      '2026-10-25T00:30:00.000Z',
      'an autumn time that occurs twice is its first occurrence',
    ],
    ['2026-10-25T03:30:00Z', '2026-10-25T02:30:00.000Z', 'after the change'],
    ['2026-07-01T12:00:00Z', '2026-07-01T10:00:00.000Z', 'summer'],
    ['2026-01-01T00:00:00Z', '2025-12-31T23:00:00.000Z', 'winter'],
  ])('%s wall in Stockholm is %s (%s)', (wall, instant) => {
    expect(new Date(stockholm.toInstant(Date.parse(wall))).toISOString()).toBe(instant);
  });

  it('resolves IANA, Windows (also quoted) and vendor TZIDs; warns once for an unknown one', () => {
    const warnings: string[] = [];
    const resolver = new ZoneResolver(
      'Europe/Stockholm',
      new Map(),
      (message) => warnings.push(message),
      { from: 0, to: 0 },
      new FeedBudget(DEFAULT_ICS_BUDGETS),
    );
    expect(resolver.resolve('America/New_York').name).toBe('America/New_York');
    expect(resolver.resolve('W. Europe Standard Time').name).toBe('Europe/Berlin');
    expect(resolver.resolve('"FLE Standard Time"').name).toBe('Europe/Kiev');
    expect(resolver.resolve('/mozilla.org/20050126_1/Europe/Helsinki').name).toBe('Europe/Helsinki');
    expect(resolver.resolve(undefined).name).toBe('Europe/Stockholm');
    expect(resolver.resolve('Atlantis Time').name).toBe('Europe/Stockholm');
    expect(resolver.resolve('Atlantis Time').name).toBe('Europe/Stockholm');
    expect(warnings).toEqual(['unknown time zone "Atlantis Time": read in Europe/Stockholm instead']);
  });
});

describe('an RDATE period past any real length', () => {
  it('makes its series unreadable, not the run ("Invalid time value")', async () => {
    const text = lines(
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:a',
      'DTSTART:20260402T080000Z',
      'DURATION:PT1H',
      'RDATE;VALUE=PERIOD:20260403T080000Z/P99999999999D',
      'SUMMARY:MÖT: x',
      'END:VEVENT',
      ...GOOD,
      'END:VCALENDAR',
    );
    const result = await readIcs(text, { window: WINDOW, timeZone: 'Europe/Stockholm' });
    expect(result.occurrences.map((occurrence) => occurrence.uid)).toEqual(['good']);
    expect(result.unreadable).toMatchObject([{ uid: 'a', line: 2 }]);
  });
});
