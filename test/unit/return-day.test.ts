import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/app/config/config-schema.js';
import { workingDays } from '../../src/app/working-days.js';
import { renderCycle } from '../../src/cli/render-cycle.js';
import type { ReferralEntry } from '../../src/domain/referral-entry.js';
import { referralText } from '../../src/domain/referral-text.js';
import { returnDay } from '../../src/domain/return-day.js';

const ZONE = 'Europe/Stockholm';
const at = (iso: string) => Date.parse(iso);
const sweden = returnDay(ZONE, workingDays({ country: 'SE' }));

describe('"åter" after all-day and multi-day absences is the next working day', () => {
  it.each([
    // [what, start, end, allDay, expected text]
    [
      'a vacation ending on a Friday',
      '2026-12-06T23:00:00Z',
      '2026-12-11T23:00:00Z',
      true,
      'Semester, åter mån 14 dec',
    ],
    [
      'one ending before Christmas (julafton, juldagen, annandag, the weekend)',
      '2026-12-20T23:00:00Z',
      '2026-12-23T23:00:00Z',
      true,
      'Semester, åter mån 28 dec',
    ],
    [
      'one ending on a Tuesday',
      '2026-12-06T23:00:00Z',
      '2026-12-07T23:00:00Z',
      true,
      'Semester, åter tis 8 dec',
    ],
    [
      'midsommarafton and midsommardagen',
      '2026-06-14T22:00:00Z',
      '2026-06-18T22:00:00Z',
      true,
      'Semester, åter mån 22 juni',
    ],
    [
      'a trip of whole days, not marked all-day',
      '2026-12-08T23:00:00Z',
      '2026-12-11T23:00:00Z',
      false,
      'Semester, åter mån 14 dec',
    ],
    [
      'a trip ending on Friday at 15.00: back then',
      '2026-12-08T07:00:00Z',
      '2026-12-11T14:00:00Z',
      false,
      'Semester, åter fre 11 dec 15.00',
    ],
  ])('%s', (_what, start, end, allDay, text) => {
    const back = sweden(at(start), at(end), allDay);
    expect(referralText('Semester', at(start), back, ZONE)).toBe(text);
  });

  it('leaves a meeting within a day alone, even one ending at midnight', () => {
    expect(sweden(at('2026-12-11T19:00:00Z'), at('2026-12-11T23:00:00Z'), false)).toBe(
      at('2026-12-11T23:00:00Z'),
    );
    expect(referralText('Möte', at('2026-12-10T12:00:00Z'), at('2026-12-10T13:30:00Z'), ZONE)).toBe(
      'Möte, åter 14.30',
    );
  });

  it('takes the region into account (Bavaria keeps Epiphany, Berlin does not)', () => {
    expect(workingDays({ country: 'DE', region: 'BY' })('2027-01-06')).toBe(false);
    expect(workingDays({ country: 'DE', region: 'BE' })('2027-01-06')).toBe(true);
  });

  it('config: holidays default to Sweden; an unknown country or region is a problem with its path', () => {
    const holidays = configSchema.shape.holidays;
    expect(holidays.parse(undefined)).toEqual({ country: 'SE' });
    expect(holidays.safeParse({ country: 'XX' }).error?.issues).toMatchObject([
      { path: ['country'], message: 'unknown country "XX"' },
    ]);
    expect(holidays.safeParse({ country: 'SE', region: 'Atlantis' }).error?.issues).toMatchObject([
      { path: ['region'], message: 'unknown region "Atlantis" of SE' },
    ]);
  });

  it('the CLI line shows no "00.00" for an all-day start, and speaks Swedish only', () => {
    const entry: ReferralEntry = {
      id: 'x',
      employee: 'anna',
      extension: '0512-31001',
      reason: 'vacation',
      label: 'Semester',
      mode: 'infoOnly',
      start: at('2026-12-06T23:00:00Z'),
      end: at('2026-12-13T23:00:00Z'),
      source: 'calendar',
      sourceRef: { calendar: 'anna/ics-1', uid: 'u', recurrenceId: null },
      contentHash: 'h',
    };
    const result = {
      calendar: 'anna/ics-1',
      status: 'synced' as const,
      created: 1,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      findings: 0,
      error: null,
      transient: false,
      retryAfterMs: null,
      changes: { created: [entry], updated: [] },
      warnings: [],
    };
    const summary = { calendars: 1, created: 1, updated: 0, deleted: 0, unchanged: 0, failed: 0, errors: [] };
    const text = renderCycle([result], summary as never, ZONE, at('2026-12-01T07:00:00Z'));
    expect(text.split('\n')[0]).toBe(
      '+ anna (0512-31001) mån 7 dec: Semester, åter mån 14 dec (endast info, samtal kopplas fram)',
    );
  });
});
