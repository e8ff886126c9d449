import path from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildLateReport, type ReportDirectory } from '../../src/domain/report/late-report.js';
import { reportCsv } from '../../src/domain/report/report-csv.js';
import { reportHtml, reportSubject } from '../../src/domain/report/report-html.js';
import { reportJson } from '../../src/domain/report/report-json.js';
import { swedishDuration, swedishPeriod } from '../../src/domain/report/swedish-format.js';
import type { RuleFinding } from '../../src/domain/rules/rule.js';
import { expectGolden } from '../helpers/golden.js';
import { ROOT } from '../helpers/sample-config.js';

const ZONE = 'Europe/Stockholm';
const t = (local: string) => DateTime.fromISO(local, { zone: ZONE }).toMillis();
const GOLDEN = path.join(ROOT, 'fixtures/reports');

const DIRECTORY: ReportDirectory = {
  employees: new Map([
    ['anna', { id: 'anna', name: 'Anna Andersson', manager: 'bo' }],
    ['asa', { id: 'asa', name: 'Åsa "Sassa" Öberg & <Co>', manager: 'bo' }],
    ['cecilia', { id: 'cecilia', name: 'Cecilia Carlsson', manager: 'bo' }],
    ['lars', { id: 'lars', name: 'Lars Lind', manager: 'karin' }],
  ]),
  people: new Map([
    ['bo', { id: 'bo', name: 'Bo Berg' }],
    ['karin', { id: 'karin', name: 'Karin Kvist' }],
  ]),
  labels: new Map([
    ['MÖT', 'Möte'],
    ['UTB', 'Utbildning'],
  ]),
};

function late(
  employee: string,
  uid: string,
  start: string,
  end: string,
  kind: string,
  enteredAt: string,
  deadline: string,
  extra: Record<string, string | number | boolean | null> = {},
): RuleFinding {
  return {
    key: `lateEntry\u0000${employee}/ics-1\u0000${uid}\u0000${t(start)}`,
    rule: 'lateEntry',
    kind,
    employee,
    calendar: `${employee}/ics-1`,
    eventUid: uid,
    occurrenceStart: t(start),
    foundAt: t(enteredAt),
    details: {
      code: 'MÖT',
      occurrenceEnd: t(end),
      enteredAt: t(enteredAt),
      deadline: t(deadline),
      approximate: false,
      basis: 'created',
      retroactive: kind === 'retroactive',
      invited: kind === 'invited',
      ...extra,
    },
  };
}

/** Two weeks around the October DST change, with every kind of finding. */
const FINDINGS: RuleFinding[] = [
  late('anna', 'a1', '2026-10-20T10:00', '2026-10-20T11:00', 'late', '2026-10-20T09:12', '2026-10-20T08:00'),
  late(
    'anna',
    'a2',
    '2026-10-22T07:00',
    '2026-10-22T07:30',
    'retroactive',
    '2026-10-22T07:05',
    '2026-10-22T07:00',
  ),
  late(
    'asa',
    's1',
    '2026-10-23T13:00',
    '2026-10-23T15:00',
    'invited',
    '2026-10-23T09:00',
    '2026-10-23T08:00',
  ),
  late(
    'cecilia',
    'c1',
    '2026-10-26T09:00',
    '2026-10-26T12:00',
    'late',
    '2026-10-26T08:20',
    '2026-10-26T08:00',
    {
      code: 'UTB',
      approximate: true,
      basis: 'firstSeen',
    },
  ),
  late(
    'anna',
    'a3',
    '2026-10-28T14:00',
    '2026-10-28T15:00',
    'retroactive',
    '2026-10-29T10:30',
    '2026-10-28T08:00',
  ),
  {
    key: 'unknownCode\u0000cecilia/ics-1\u0000u1\u0000x',
    rule: 'unknownCode',
    kind: 'unknown',
    employee: 'cecilia',
    calendar: 'cecilia/ics-1',
    eventUid: 'u1',
    occurrenceStart: t('2026-10-21T10:00'),
    foundAt: t('2026-10-20T10:00'),
    details: { suggestion: 'MÖT' },
  },
  late('lars', 'l1', '2026-10-21T10:00', '2026-10-21T11:00', 'late', '2026-10-21T09:00', '2026-10-21T08:00'),
  late(
    'anna',
    'outside',
    '2026-11-02T10:00',
    '2026-11-02T11:00',
    'late',
    '2026-11-02T09:00',
    '2026-11-02T08:00',
  ),
];

const REQUEST = {
  from: t('2026-10-19T00:00'),
  to: t('2026-11-02T00:00'),
  timeZone: ZONE,
  manager: 'bo',
  countInvited: false,
  deadline: '08:00',
};

describe('late-entry report', () => {
  const report = buildLateReport(REQUEST, FINDINGS, DIRECTORY);

  it("covers the manager's employees and the period only; totals count invitations only when configured", () => {
    expect(report.late.map((row) => row.eventUid)).toEqual(['a1', 'a2', 's1', 'c1', 'a3']);
    expect(report.other.map((row) => row.eventUid)).toEqual(['u1']);
    expect(report.totals.map((total) => [total.employee, total.counted])).toEqual([
      ['anna', 3],
      ['cecilia', 1],
      ['asa', 0],
    ]);
    expect(report.weeks.map((week) => [week.week, week.count])).toEqual([
      [43, 2],
      [44, 2],
    ]);
    const counting = buildLateReport({ ...REQUEST, countInvited: true }, FINDINGS, DIRECTORY);
    expect(counting.totals.find((total) => total.employee === 'asa')?.counted).toBe(1);
    expect(counting.weeks.map((week) => week.count)).toEqual([3, 2]);
  });

  it('matches the JSON golden file', () => {
    expectGolden(path.join(GOLDEN, 'late-report.json'), `${JSON.stringify(reportJson(report), null, 2)}\n`);
  });

  it('matches the CSV golden file', () => {
    expectGolden(path.join(GOLDEN, 'late-report.csv'), reportCsv(report));
  });

  it('matches the HTML golden file', () => {
    expectGolden(path.join(GOLDEN, 'late-report.html'), reportHtml(report));
  });

  it('writes HTML Outlook can show: no scripts, no external resources, no style sheets, escaped names', () => {
    const html = reportHtml(report);
    expect(html).not.toMatch(/<script|<link|<style|<svg|https?:\/\/|src=/i);
    expect(html).toContain('Åsa &quot;Sassa&quot; Öberg &amp; &lt;Co&gt;');
    expect(html).toContain('bgcolor="#c0392b"');
    expect(reportSubject(report)).toBe('Sena registreringar 19 oktober – 1 november 2026');
  });

  it('says an empty period plainly', () => {
    const empty = buildLateReport(REQUEST, [], DIRECTORY);
    expect(reportHtml(empty)).toContain('Inga sena registreringar under perioden.');
    expect(reportJson(empty).findings).toEqual([]);
  });

  it.each([
    [5 * 60_000, '5 min'],
    [60 * 60_000, '1 tim'],
    [100 * 60_000, '1 tim 40 min'],
    [26 * 60 * 60_000 + 30 * 60_000, '1 d 2 tim'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(swedishDuration(ms)).toBe(text);
  });

  it('names periods as people say them', () => {
    expect(swedishPeriod(t('2026-03-02T00:00'), t('2026-03-09T00:00'), ZONE)).toBe('2–8 mars 2026');
    expect(swedishPeriod(t('2026-12-28T00:00'), t('2027-01-04T00:00'), ZONE)).toBe(
      '28 december 2026 – 3 januari 2027',
    );
  });
});
