import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { IcsReadError } from '../../../src/adapters/ical/ics-errors.js';
import { readIcs } from '../../../src/adapters/ical/read-ics.js';

const WINDOW = { from: Date.parse('2026-03-31T22:00:00Z'), to: Date.parse('2026-04-15T22:00:00Z') };
const BUDGETS = { maxEventsPerFeed: 5_000, maxOccurrencesPerSeries: 2_000, recurrenceStepBudget: 100_000 };

function feed(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//hanvisa//bombs//EN'];
  for (const event of events) lines.push('BEGIN:VEVENT', ...event, 'END:VEVENT');
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

function series(uid: string, dtstart: string, rrule: string): string[] {
  return [`UID:${uid}`, `DTSTART:${dtstart}`, 'DURATION:PT15M', `RRULE:${rrule}`, 'SUMMARY:MÖT: x'];
}

async function budgetFailure(text: string, budgets = BUDGETS): Promise<IcsReadError> {
  try {
    await readIcs(text, { window: WINDOW, timeZone: 'Europe/Stockholm', budgets });
  } catch (error) {
    expect(error).toBeInstanceOf(IcsReadError);
    return error as IcsReadError;
  }
  throw new Error('expected a budget failure');
}

describe('bombs fail or finish within their budget', () => {
  it('FREQ=SECONDLY: over the occurrences-per-series cap', async () => {
    const error = await budgetFailure(feed(series('secondly', '20260101T000000Z', 'FREQ=SECONDLY')));
    expect(error.kind).toBe('budget');
    expect(error.message).toMatch(/ics\.maxOccurrencesPerSeries/);
  });

  it('FREQ=SECONDLY with COUNT (cannot jump ahead): over the step budget', async () => {
    const error = await budgetFailure(
      feed(series('secondly-count', '20200101T000000Z', 'FREQ=SECONDLY;COUNT=900000000')),
    );
    expect(error.kind).toBe('budget');
    expect(error.message).toMatch(/ics\.recurrenceStepBudget = 100000/);
  });

  it('a daily series from 1601 reaches the window without iterating 155,000 days', async () => {
    const result = await readIcs(feed(series('from-1601', '16010101T090000Z', 'FREQ=DAILY')), {
      window: WINDOW,
      timeZone: 'Europe/Stockholm',
      budgets: BUDGETS,
    });
    expect(result.occurrences).toHaveLength(15);
    expect(result.stats.steps).toBeLessThan(200);
  });

  it('a series from 1601 with COUNT (no jump possible) fails on the step budget', async () => {
    const error = await budgetFailure(
      feed(series('count-1601', '16010101T090000Z', 'FREQ=DAILY;COUNT=1000000')),
    );
    expect(error.message).toMatch(/recurrenceStepBudget/);
  });

  const everySecond =
    `BYHOUR=${Array.from({ length: 24 }, (_, hour) => hour).join(',')};` +
    `BYMINUTE=${Array.from({ length: 60 }, (_, minute) => minute).join(',')};` +
    `BYSECOND=${Array.from({ length: 60 }, (_, second) => second).join(',')}`;

  it('a dense BYxxx rule far before the window fails on the step budget', async () => {
    const monthDays = Array.from({ length: 28 }, (_, day) => day + 1).join(',');
    const dense = `FREQ=MONTHLY;BYMONTHDAY=${monthDays};${everySecond}`;
    const error = await budgetFailure(feed(series('dense-monthly', '20250101T000000Z', dense)));
    expect(error.message).toMatch(/recurrenceStepBudget/);
  });

  it('a dense BYxxx rule inside the window fails on the occurrences cap', async () => {
    const dense = `FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR,SA,SU;${everySecond}`;
    const error = await budgetFailure(feed(series('dense-daily', '20260401T000000Z', dense)));
    expect(error.message).toMatch(/ics\.maxOccurrencesPerSeries/);
  });

  it('a contracting rule that never matches (MINUTELY on 30 February) fails on the step budget', async () => {
    const error = await budgetFailure(
      feed(series('never', '20250101T000000Z', 'FREQ=MINUTELY;COUNT=5;BYMONTH=2;BYMONTHDAY=30')),
    );
    expect(error.message).toMatch(/recurrenceStepBudget/);
  });

  it('an impossible yearly rule ends quietly (ical.js would search to the year 20000)', async () => {
    const result = await readIcs(
      feed(series('feb30', '20200101T000000Z', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30')),
      {
        window: WINDOW,
        timeZone: 'Europe/Stockholm',
        budgets: BUDGETS,
      },
    );
    expect(result.occurrences).toEqual([]);
  });

  it('too many events: over the events-per-feed cap, before any parsing', async () => {
    const events = Array.from({ length: 120 }, (_, index) => [
      `UID:e${index}`,
      'DTSTART:20260401T080000Z',
      'SUMMARY:x',
    ]);
    const error = await budgetFailure(feed(...events), { ...BUDGETS, maxEventsPerFeed: 100 });
    expect(error.message).toMatch(/120 events.*ics\.maxEventsPerFeed = 100/);
  });

  it('a large feed is read in chunks, yielding to the event loop between them', async () => {
    const events = Array.from({ length: 20_000 }, (_, index) => {
      const day = String((index % 28) + 1).padStart(2, '0');
      const month = String((index % 12) + 1).padStart(2, '0');
      return [
        `UID:large-${index}`,
        `DTSTART:2026${month}${day}T080000Z`,
        'DTEND:20261231T090000Z',
        'SUMMARY:x',
      ];
    });
    const text = feed(...events);
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await readIcs(text, {
      window: WINDOW,
      timeZone: 'Europe/Stockholm',
      budgets: { ...BUDGETS, maxEventsPerFeed: 20_000 },
    });
    running = false;
    expect(result.stats.events).toBe(20_000);
    expect(result.occurrences.length).toBeGreaterThan(0);
    // Other work ran while the feed was read: the reader gave the event loop many turns.
    expect(turns).toBeGreaterThan(10);
  });
});

describe('jumping ahead gives the same instances as iterating from the start', () => {
  const rules = [
    'FREQ=DAILY;INTERVAL=3',
    'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH',
    'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU;BYSETPOS=-1',
    'FREQ=HOURLY;INTERVAL=7',
    'FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,15',
    'FREQ=DAILY;BYMONTH=4;BYMONTHDAY=2,9,13',
    'FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,MO',
  ];

  it.each(rules)('%s', async (rule) => {
    const dtstart = '19900104T120000Z';
    const text = feed(series('oracle', dtstart, rule));
    const result = await readIcs(text, {
      window: WINDOW,
      timeZone: 'Europe/Stockholm',
      budgets: { ...BUDGETS, recurrenceStepBudget: 10_000_000 },
    });
    // The oracle: ical.js' own iteration from DTSTART, every step of the way.
    const expected: string[] = [];
    const iterator = ICAL.Recur.fromString(rule).iterator(ICAL.Time.fromString('1990-01-04T12:00:00Z', null));
    for (let time = iterator.next(); time !== null; time = iterator.next()) {
      const start = time.toUnixTime() * 1000;
      if (start >= WINDOW.to) break;
      if (start + 15 * 60_000 > WINDOW.from) expected.push(new Date(start).toISOString());
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(result.occurrences.map((occurrence) => occurrence.recurrenceId)).toEqual(expected);
    expect(result.stats.steps).toBeLessThan(5_000);
  });
});
