import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIcsSource } from '../../../src/adapters/ical/ics-source.js';
import { MemoryReferralSink } from '../../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryStateStore } from '../../../src/adapters/stores/memory-state-store.js';
import type { CalendarRef } from '../../../src/app/ports/calendar-source.js';
import type { SyncDependencies } from '../../../src/app/sync-calendar.js';
import { summarise, syncCycle } from '../../../src/app/sync-cycle.js';
import { ROOT, sampleConfig } from '../../helpers/sample-config.js';

/**
 * A feed over a budget, or a feed whose server fails, fails alone: the other calendars in the
 * same cycle still sync, and the failed calendar's referrals stay as they were.
 */
const config = sampleConfig();
const NOW = Date.parse('2026-03-04T06:00:00Z');
const GOOD_FEED = readFileSync(path.join(ROOT, 'fixtures/ical/anna.ics'), 'utf8');
const ics = {
  ...config.ics,
  maxEventsPerFeed: 1_000,
  maxOccurrencesPerSeries: 500,
  recurrenceStepBudget: 50_000,
};

function bomb(rule: string, dtstart = '20260101T000000Z'): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//hanvisa//bomb//EN',
    'BEGIN:VEVENT',
    'UID:bomb@example.com',
    `DTSTART:${dtstart}`,
    'DURATION:PT1M',
    `RRULE:${rule}`,
    'SUMMARY:MÖT: bomb',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function manyEvents(count: number): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//hanvisa//many//EN'];
  for (let index = 0; index < count; index++) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:many-${index}`,
      'DTSTART:20260305T080000Z',
      'SUMMARY:MÖT: x',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

let directory: string;
const calendars: CalendarRef[] = [];

function deps(sink: MemoryReferralSink, state: MemoryStateStore): SyncDependencies {
  const source = createIcsSource({ timeZone: config.timeZone, ics });
  return { config, sourceFor: () => source, sink, state };
}

beforeAll(() => {
  nock.disableNetConnect();
  directory = mkdtempSync(path.join(os.tmpdir(), 'hanvisa-ics-bombs-'));
  const files: Record<string, string> = {
    good: GOOD_FEED,
    secondly: bomb('FREQ=SECONDLY'),
    'from-1601': bomb('FREQ=DAILY;COUNT=10000000', '16010101T000000Z'),
    dense: bomb(
      `FREQ=MONTHLY;BYMONTHDAY=1,2,3,4,5,6,7,8,9,10;BYHOUR=${Array.from({ length: 24 }, (_, h) => h).join(',')};BYMINUTE=${Array.from({ length: 60 }, (_, m) => m).join(',')}`,
      '20250101T000000Z',
    ),
    many: manyEvents(2_000),
  };
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(directory, `${name}.ics`);
    writeFileSync(file, text);
    calendars.push({ id: `anna/${name}`, employee: 'anna', kind: 'ics', address: file });
  }
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  nock.enableNetConnect();
});

afterEach(() => nock.cleanAll());

describe('one bad feed never stops the others', () => {
  it('bombs fail alone with a budget error naming the calendar; the good calendar syncs', async () => {
    const sink = new MemoryReferralSink();
    const results = await syncCycle(deps(sink, new MemoryStateStore()), calendars, { now: NOW });
    const byId = new Map(results.map((result) => [result.calendar, result]));
    expect(byId.get('anna/good')?.status).toBe('synced');
    expect(byId.get('anna/good')?.created).toBeGreaterThan(0);
    for (const name of ['secondly', 'from-1601', 'dense', 'many']) {
      const result = byId.get(`anna/${name}`);
      expect(result?.status, name).toBe('failed');
      expect(result?.error, name).toMatch(
        new RegExp(
          `calendar anna/${name}: .*ics\\.(maxOccurrencesPerSeries|recurrenceStepBudget|maxEventsPerFeed)`,
        ),
      );
      expect(result?.error, name).not.toContain(directory);
    }
    expect(summarise(results).failed).toBe(4);
    expect((await sink.list({ calendar: 'anna/good' })).length).toBe(byId.get('anna/good')?.created);
  });

  it('a 500 fails the calendar and keeps its referrals', async () => {
    const feed: CalendarRef = {
      id: 'anna/feed',
      employee: 'anna',
      kind: 'ics',
      address: 'https://calendar.example.com/owa/calendar/secret/calendar.ics',
    };
    const sink = new MemoryReferralSink();
    const state = new MemoryStateStore();
    nock('https://calendar.example.com').get('/owa/calendar/secret/calendar.ics').reply(200, GOOD_FEED);
    const [first] = await syncCycle(deps(sink, state), [feed], { now: NOW });
    expect(first?.status).toBe('synced');
    const before = await sink.list({ calendar: 'anna/feed' });
    expect(before.length).toBeGreaterThan(0);

    nock('https://calendar.example.com').get('/owa/calendar/secret/calendar.ics').reply(500, 'oops');
    const [second] = await syncCycle(deps(sink, state), [feed], { now: NOW + 10 * 60_000 });
    expect(second?.status).toBe('failed');
    expect(second?.transient).toBe(true);
    expect(second?.error).toMatch(/calendar anna\/feed: .*HTTP 500/);
    expect(second?.error).not.toContain('secret');
    expect(await sink.list({ calendar: 'anna/feed' })).toEqual(before);
  });
});
