import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { latestSlot } from '../../src/app/report-schedule.js';
import { reportPeriod } from '../../src/domain/report/report-period.js';

const ZONE = 'Europe/Stockholm';
const local = (text: string) => DateTime.fromISO(text, { zone: ZONE }).toMillis();
const hours = (period: { from: number; to: number }) => (period.to - period.from) / 3_600_000;

describe('reportPeriod: whole local days between two firings, the same in both runtimes', () => {
  it.each([
    // [previous firing, this firing, from, to, hours]
    ['2026-03-23T07:00', '2026-03-30T07:00', '2026-03-23T00:00', '2026-03-30T00:00', 167], // spring DST week (29 March)
    ['2026-10-19T07:00', '2026-10-26T07:00', '2026-10-19T00:00', '2026-10-26T00:00', 169], // autumn DST week (25 October)
    ['2026-11-16T07:00', '2026-11-23T07:00', '2026-11-16T00:00', '2026-11-23T00:00', 168],
    ['2026-03-28T06:30', '2026-03-29T06:30', '2026-03-28T00:00', '2026-03-29T00:00', 24], // daily, the day before DST
    ['2026-03-29T06:30', '2026-03-30T06:30', '2026-03-29T00:00', '2026-03-30T00:00', 23], // daily, the DST day itself
    ['2026-10-25T06:30', '2026-10-26T06:30', '2026-10-25T00:00', '2026-10-26T00:00', 25],
  ])('%s → %s covers %s to %s', (previous, slot, from, to, length) => {
    const period = reportPeriod(local(previous), local(slot), ZONE);
    expect(period).toEqual({ from: local(from), to: local(to) });
    expect(hours(period)).toBe(length);
  });

  it("the schedule's latest slot names the same period (what the sendDueReports job of either runtime uses)", () => {
    const slot = latestSlot('0 7 * * 1', ZONE, local('2026-03-30T09:00'));
    expect(slot).toEqual({
      slot: local('2026-03-30T07:00'),
      ...reportPeriod(local('2026-03-23T07:00'), local('2026-03-30T07:00'), ZONE),
    });
  });
});
