import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { readIcs } from '../../../src/adapters/ical/read-ics.js';
import { ROOT } from '../../helpers/sample-config.js';

interface RecurrenceCase {
  readonly name: string;
  readonly dtstart: string;
  readonly rrules: readonly string[];
  readonly exdate?: readonly string[];
  readonly expected: readonly string[];
}

const ZONE = 'America/New_York';
const { cases } = JSON.parse(
  readFileSync(path.join(ROOT, 'fixtures/ical/conformance/rfc5545-recurrence-examples.json'), 'utf8'),
) as { cases: RecurrenceCase[] };

function local(value: string): number {
  return DateTime.fromFormat(value, "yyyyMMdd'T'HHmmss", { zone: ZONE }).toMillis();
}

/** RFC 5545 §3.8.5.3's own examples, each with the occurrences the RFC states. */
describe('RFC 5545 §3.8.5.3 recurrence examples', () => {
  it.each(cases.map((item) => [item.name, item] as const))('%s', async (_name, item) => {
    const lines = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//hanvisa//rfc5545//EN',
      'BEGIN:VEVENT',
      'UID:rfc5545-example',
      `DTSTART;TZID=${ZONE}:${item.dtstart}`,
      'DURATION:PT10M',
      ...item.rrules.map((rule) => `RRULE:${rule}`),
      ...(item.exdate ?? []).map((value) => `EXDATE;TZID=${ZONE}:${value}`),
      'SUMMARY:MÖT: x',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ];
    const last = DateTime.fromISO(item.expected.at(-1) as string, { zone: ZONE }).toMillis();
    const result = await readIcs(lines.join('\r\n'), {
      window: { from: local(item.dtstart), to: last + 60_000 },
      timeZone: 'Europe/Stockholm',
    });
    const starts = result.occurrences.map((occurrence) =>
      DateTime.fromMillis(occurrence.start, { zone: ZONE }).toFormat("yyyy-MM-dd'T'HH:mm"),
    );
    expect(starts).toEqual(item.expected);
  });
});
