import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { BoardIndex, fold } from '../../src/adapters/http/pages/board-index.js';
import { ZoneClock } from '../../src/adapters/http/pages/page-time.js';
import { referralText } from '../../src/domain/referral-text.js';
import { at, entry } from '../helpers/pages-fixture.js';

const ZONE = 'Europe/Stockholm';
const people = [
  { id: 'a', name: 'Åsa Östlund', extension: '0512-31001', manager: null, unit: 'Ekonomi', email: null },
  { id: 'b', name: 'Bo Berg', extension: '0512-31000', manager: null, unit: 'Skola', email: null },
];

describe('the board index', () => {
  it('folds diacritics, so "ostl" finds Östlund, and digits find extensions', () => {
    expect(fold('  Åsa  Östlund ')).toBe('asa ostlund');
    const index = new BoardIndex(people, ZONE);
    index.setEntries([]);
    const now = at('2026-03-03T10:00');
    expect(index.search('ostl', now).people.map((person) => person.id)).toEqual(['a']);
    expect(index.search('0512-31000', now).people.map((person) => person.id)).toEqual(['b']);
    expect(index.search('skola', now).people.map((person) => person.id)).toEqual(['b']);
  });

  it('replaces one calendar incrementally, with a new version only when something changed', () => {
    const index = new BoardIndex(people, ZONE);
    const meeting = entry('a', 'Möte', at('2026-03-03T09:00'), at('2026-03-03T11:00'));
    expect(index.setEntries([meeting])).toBe(true);
    const first = index.version;
    expect(index.setEntries([meeting])).toBe(false);
    expect(index.setCalendar('a/ics-1', [meeting])).toBe(false);
    expect(index.version).toBe(first);
    const moved = entry('a', 'Möte', at('2026-03-03T09:00'), at('2026-03-03T12:00'));
    expect(index.setCalendar('a/ics-1', [{ ...moved, id: meeting.id }])).toBe(true);
    expect(index.version).not.toBe(first);
    const now = at('2026-03-03T10:00');
    expect(index.search('asa', now).people[0]?.now).toBe('Möte, åter 12.00');
    expect(index.setCalendar('a/ics-1', [])).toBe(true);
    expect(index.search('asa', now).people[0]?.state).toBe('available');
  });

  it('the zone clock agrees with Luxon across both DST changes', () => {
    const clock = new ZoneClock(ZONE);
    for (const iso of [
      '2026-03-29T00:30Z',
      '2026-03-29T01:00Z',
      '2026-10-25T00:45Z',
      '2026-10-25T01:00Z',
      '2026-12-31T23:30Z',
    ]) {
      const instant = DateTime.fromISO(iso).toMillis();
      const local = DateTime.fromMillis(instant, { zone: ZONE });
      expect(clock.time(instant), iso).toBe(local.toFormat('HH.mm'));
      expect(clock.parts(instant).day, iso).toBe(local.day);
    }
    expect(clock.span(at('2026-03-28T00:00'), at('2026-03-30T00:00'))).toBe(
      'lör 28 mars, t.o.m. sön 29 mars',
    );
    expect(clock.span(at('2026-03-29T00:00'), at('2026-03-30T00:00'))).toBe('sön 29 mars, hela dagen');
  });

  it("says 'åter' exactly as the domain's referralText does", () => {
    const clock = new ZoneClock(ZONE);
    const starts = ['2026-03-03T09:00', '2026-03-28T22:00', '2026-10-24T23:30', '2026-12-31T10:00'];
    const ends = [
      '2026-03-03T14:30',
      '2026-03-29T03:00',
      '2026-10-25T00:00',
      '2027-01-02T00:00',
      '2026-03-05T08:15',
    ];
    for (const start of starts)
      for (const end of ends) {
        if (at(end) <= at(start)) continue;
        expect(clock.returnText('Möte', at(start), at(end)), `${start} ${end}`).toBe(
          referralText('Möte', at(start), at(end), ZONE),
        );
      }
  });
});
