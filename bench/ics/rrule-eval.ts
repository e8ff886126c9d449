/**
 * `npm run bench:rrule`: which recurrence engine reads RFC 5545 §3.8.5.3 right, and how fast.
 * Runs every example of fixtures/ical/conformance/rfc5545-recurrence-examples.json (the RFC's
 * stated occurrences) and the cases the peers' calendars showed (20MO, BYWEEKNO, YEARLY with a
 * BYHOUR list, MONTHLY COUNT with an earlier BYMONTH, COUNT=-1 with UNTIL) through ical.js'
 * RecurIterator and through rrule-temporal, in wall time, and prints the passes of each; then
 * the time per weekly series expanded into a 15-day window, DTSTART near the window (hanvisa
 * jumps there for ical.js) and six years before it. Ratios, not absolute times, matter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { RRuleTemporal } from 'rrule-temporal';

interface Case {
  readonly name: string;
  readonly dtstart: string;
  readonly rrules: readonly string[];
  readonly exdate?: readonly string[];
  readonly expected: readonly string[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rfc = (
  JSON.parse(
    readFileSync(path.join(ROOT, 'fixtures/ical/conformance/rfc5545-recurrence-examples.json'), 'utf8'),
  ) as { cases: Case[] }
).cases;
const extra: Case[] = [
  {
    name: 'YEARLY;BYDAY=20MO',
    dtstart: '20260518T090000',
    rrules: ['FREQ=YEARLY;BYDAY=20MO;COUNT=2'],
    expected: ['2026-05-18T09:00', '2027-05-17T09:00'],
  },
  {
    name: 'YEARLY;BYWEEKNO=20;BYDAY=MO',
    dtstart: '20260511T090000',
    rrules: ['FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;COUNT=2'],
    expected: ['2026-05-11T09:00', '2027-05-17T09:00'],
  },
  {
    name: 'YEARLY;BYHOUR=9,14',
    dtstart: '20260105T090000',
    rrules: ['FREQ=YEARLY;BYHOUR=9,14;COUNT=4'],
    expected: ['2026-01-05T09:00', '2026-01-05T14:00', '2027-01-05T09:00', '2027-01-05T14:00'],
  },
  {
    name: 'MONTHLY;BYMONTH=1,3,6;COUNT=4 from March',
    dtstart: '20260315T090000',
    rrules: ['FREQ=MONTHLY;BYMONTH=1,3,6;COUNT=4'],
    expected: ['2026-03-15T09:00', '2026-06-15T09:00', '2027-01-15T09:00', '2027-03-15T09:00'],
  },
];

const wall = (text: string) =>
  Date.UTC(
    +text.slice(0, 4),
    +text.slice(4, 6) - 1,
    +text.slice(6, 8),
    +text.slice(9, 11),
    +text.slice(11, 13),
  );
const label = (ms: number) => new Date(ms).toISOString().slice(0, 16);

function withIcal(item: Case, until: number): number[] {
  const out = new Set<number>();
  for (const rule of item.rrules) {
    const recur = ICAL.Recur.fromString(rule);
    const start = ICAL.Time.fromDateTimeString(
      `${item.dtstart.slice(0, 4)}-${item.dtstart.slice(4, 6)}-${item.dtstart.slice(6, 8)}T${item.dtstart.slice(9, 11)}:${item.dtstart.slice(11, 13)}:00`,
    );
    const iterator = recur.iterator(start);
    for (
      let time = iterator.next(), steps = 0;
      time !== null && steps < 100_000;
      time = iterator.next(), steps++
    ) {
      const ms = Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute);
      if (ms > until) break;
      out.add(ms);
    }
  }
  return [...out].sort((a, b) => a - b);
}

function withTemporal(item: Case, until: number): number[] {
  const out = new Set<number>();
  for (const rule of item.rrules) {
    const engine = new RRuleTemporal({
      rruleString: `DTSTART:${item.dtstart}Z\nRRULE:${rule}`,
      maxIterations: 100_000,
    });
    for (const date of engine.all((value) => value.epochMilliseconds <= until)) {
      if (date.epochMilliseconds <= until) out.add(date.epochMilliseconds);
    }
  }
  return [...out].sort((a, b) => a - b);
}

function passes(engine: (item: Case, until: number) => number[], cases: readonly Case[]) {
  const failed: string[] = [];
  for (const item of cases) {
    const until = Date.parse(`${item.expected.at(-1)}:00Z`);
    const excluded = new Set((item.exdate ?? []).map(wall));
    let got: string[];
    try {
      got = engine(item, until)
        .filter((ms) => !excluded.has(ms))
        .map(label);
    } catch {
      got = ['(error)'];
    }
    if (JSON.stringify(got) !== JSON.stringify(item.expected)) failed.push(item.name);
  }
  return { passed: cases.length - failed.length, total: cases.length, failed };
}

for (const [name, engine] of [
  ['ical.js 2.2.1', withIcal],
  ['rrule-temporal 1.6.0', withTemporal],
] as const) {
  const a = passes(engine, rfc);
  const b = passes(engine, extra);
  console.log(`${name}: RFC 5545 §3.8.5.3 ${a.passed}/${a.total}, peer cases ${b.passed}/${b.total}`);
  for (const failed of [...a.failed, ...b.failed]) console.log(`  wrong: ${failed}`);
}

const N = Number(process.env.BENCH_RRULE_SERIES ?? 2_000);
const from = Date.UTC(2026, 10, 29);
const to = Date.UTC(2026, 11, 14);
for (const [when, start] of [
  ['near the window', '20261123'],
  ['six years before', '20200106'],
] as const) {
  let t = performance.now();
  for (let index = 0; index < N; index++) {
    const iterator = ICAL.Recur.fromString('FREQ=WEEKLY;BYDAY=MO,WE').iterator(
      ICAL.Time.fromData({
        year: +start.slice(0, 4),
        month: +start.slice(4, 6),
        day: +start.slice(6, 8),
        hour: 9,
        minute: index % 60,
      }),
    );
    for (let time = iterator.next(); time !== null; time = iterator.next()) {
      if (Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute) >= to) break;
    }
  }
  const ical = (performance.now() - t) / N;
  t = performance.now();
  for (let index = 0; index < N; index++) {
    const minute = String(index % 60).padStart(2, '0');
    new RRuleTemporal({
      rruleString: `DTSTART:${start}T09${minute}00Z\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE`,
    }).between(new Date(from), new Date(to), true);
  }
  const temporal = (performance.now() - t) / N;
  console.log(
    `weekly series, DTSTART ${when}: ical.js ${ical.toFixed(3)} ms, rrule-temporal ${temporal.toFixed(3)} ms per series (ratio ${(temporal / ical).toFixed(2)})`,
  );
}
