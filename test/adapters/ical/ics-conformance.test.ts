import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFeed } from '../../../src/adapters/ical/ics-decode.js';
import { readIcs } from '../../../src/adapters/ical/read-ics.js';
import { ROOT } from '../../helpers/sample-config.js';

/**
 * hanvisa's own conformance suite: fixtures/ical/conformance/NAME.ics, written from RFC 5545
 * (and RFC 7529) for each case the peers' test calendars showed read wrong, with the window in
 * an X-HANVISA-GOLDEN-WINDOW line; NAME.expected.json holds the occurrences worked out by hand
 * from the RFC text (not recorded from hanvisa's output) and the UIDs that must be reported
 * unreadable. Read as bytes, so the UTF-16 feed goes through the same decoding as a file feed.
 */
const DIR = path.join(ROOT, 'fixtures/ical/conformance');
const feeds = readdirSync(DIR).filter(
  (file) => file.endsWith('.ics') && readdirSync(DIR).includes(file.replace(/\.ics$/, '.expected.json')),
);

interface Expected {
  occurrences: { uid: string; recurrenceId: string | null; start: string; end: string; allDay: boolean }[];
  unreadable: string[];
}

const iso = (instant: number) => new Date(instant).toISOString();
const order = (a: { start: string; uid: string }, b: { start: string; uid: string }) =>
  a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid);

describe('iCal conformance feeds', () => {
  it('has the conformance feeds', () => {
    expect(feeds.length).toBeGreaterThanOrEqual(7);
  });

  it.each(feeds)('%s', async (file) => {
    const text = decodeFeed(readFileSync(path.join(DIR, file)));
    const [, from, to] = /^X-HANVISA-GOLDEN-WINDOW:(\S+)\/(\S+)\r?$/m.exec(text) ?? [];
    const expected = JSON.parse(
      readFileSync(path.join(DIR, file.replace(/\.ics$/, '.expected.json')), 'utf8'),
    ) as Expected;
    const result = await readIcs(text, {
      window: { from: Date.parse(from as string), to: Date.parse(to as string) },
      timeZone: 'Europe/Stockholm',
    });
    const actual = result.occurrences.map((occurrence) => ({
      uid: occurrence.uid,
      recurrenceId: occurrence.recurrenceId,
      start: iso(occurrence.start),
      end: iso(occurrence.end),
      allDay: occurrence.allDay,
    }));
    expect(actual.sort(order)).toEqual([...expected.occurrences].sort(order));
    expect(result.unreadable.map((event) => event.uid)).toEqual(expected.unreadable);
  });
});
