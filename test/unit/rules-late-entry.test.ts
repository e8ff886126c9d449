import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import type { CodedOccurrence } from '../../src/domain/desired-entries.js';
import type { Occurrence } from '../../src/domain/occurrence.js';
import { assessLateEntry, type LateEntryFacts, lateEntryRule } from '../../src/domain/rules/late-entry.js';
import { LocalDays } from '../../src/domain/rules/local-days.js';
import type { RuleEnvironment, RuleFinding, Sightings } from '../../src/domain/rules/rule.js';

const ZONE = 'Europe/Stockholm';
/** Local wall-clock time in Stockholm, e.g. `2026-03-03T09:30`. */
const t = (local: string) => DateTime.fromISO(local, { zone: ZONE }).toMillis();
const utc = (iso: string) => Date.parse(iso);
const MIN = 60_000;

interface Case {
  readonly name: string;
  readonly start: string;
  readonly createdAt: number | null;
  readonly modifiedAt?: number | null;
  readonly organizerIsSelf?: boolean | null;
  readonly recurrenceId?: string | null;
  /** When hanvisa first saw it with its planned code on this day (default: 5 minutes after creation). */
  readonly planned?: number;
  readonly day?: number;
  readonly event?: number;
  /** The calendar's previous successful round (default: 5 minutes before `planned`; null = first round). */
  readonly previous?: number | null;
  /** The round's clock (default: `planned`, the round that first sees it). */
  readonly now?: number;
  readonly expect: {
    readonly kind: 'late' | 'retroactive' | 'invited' | null;
    readonly enteredAt?: number;
    readonly deadline?: number;
    readonly approximate?: boolean;
    readonly basis?: 'created' | 'modified' | 'firstSeen';
  } | null;
}

const CASES: readonly Case[] = [
  {
    name: 'created the day before',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-02T16:00'),
    expect: {
      kind: null,
      enteredAt: t('2026-03-02T16:00'),
      deadline: t('2026-03-03T08:00'),
      basis: 'created',
    },
  },
  {
    name: 'created 07:59:59 on the day',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T07:59:59'),
    expect: { kind: null, deadline: t('2026-03-03T08:00') },
  },
  {
    name: 'created 08:00:01 on the day',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T08:00:01'),
    expect: { kind: 'late', enteredAt: t('2026-03-03T08:00:01'), approximate: false },
  },
  {
    name: 'created exactly at the deadline is on time',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T08:00'),
    expect: { kind: null },
  },
  {
    name: 'a 07:00 meeting created 06:58 (the deadline is the start)',
    start: '2026-03-03T07:00',
    createdAt: t('2026-03-03T06:58'),
    expect: { kind: null, deadline: t('2026-03-03T07:00') },
  },
  {
    name: 'a 07:00 meeting created 07:05',
    start: '2026-03-03T07:00',
    createdAt: t('2026-03-03T07:05'),
    expect: { kind: 'retroactive', deadline: t('2026-03-03T07:00') },
  },
  {
    name: 'created after the meeting ended',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T12:30'),
    expect: { kind: 'retroactive', enteredAt: t('2026-03-03T12:30') },
  },
  {
    name: 'created exactly at the start is retroactive',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T10:00'),
    expect: { kind: 'retroactive' },
  },
  {
    name: 'weekly series created a month ago: an instance entering the window',
    start: '2026-03-03T10:00',
    recurrenceId: '2026-03-03T09:00:00.000Z',
    createdAt: t('2026-02-03T09:00'),
    modifiedAt: t('2026-02-03T09:00'),
    event: t('2026-02-03T09:05'),
    day: t('2026-02-17T00:05'),
    planned: t('2026-02-17T00:05'),
    expect: { kind: null, enteredAt: t('2026-02-03T09:00'), basis: 'created' },
  },
  {
    name: 'weekly series: an instance first seen late after hanvisa was down is still on time',
    start: '2026-03-03T10:00',
    recurrenceId: '2026-03-03T09:00:00.000Z',
    createdAt: t('2026-02-03T09:00'),
    event: t('2026-02-03T09:05'),
    day: t('2026-03-03T11:00'),
    planned: t('2026-03-03T11:00'),
    previous: t('2026-02-20T16:00'),
    expect: { kind: null, basis: 'created' },
  },
  {
    name: 'weekly series: one exception moved from Thursday onto today 10:00 at 09:00',
    start: '2026-03-03T10:00',
    recurrenceId: '2026-03-05T09:00:00.000Z',
    createdAt: t('2026-02-03T09:00'),
    modifiedAt: t('2026-03-03T09:00'),
    event: t('2026-02-03T09:05'),
    day: t('2026-03-03T09:05'),
    planned: t('2026-03-03T09:05'),
    expect: { kind: 'late', enteredAt: t('2026-03-03T09:00'), basis: 'modified', approximate: false },
  },
  {
    name: 'weekly series: an exception moved within its day keeps the series creation time',
    start: '2026-03-03T10:00',
    recurrenceId: '2026-03-03T08:00:00.000Z',
    createdAt: t('2026-02-03T09:00'),
    modifiedAt: t('2026-03-03T09:00'),
    event: t('2026-02-03T09:05'),
    day: t('2026-03-03T09:05'),
    planned: t('2026-03-03T09:05'),
    expect: { kind: null, basis: 'created' },
  },
  {
    name: 'a single event moved onto today at 09:10 from Friday',
    start: '2026-03-03T13:00',
    createdAt: t('2026-02-24T09:00'),
    modifiedAt: t('2026-03-03T09:10'),
    event: t('2026-02-24T09:05'),
    day: t('2026-03-03T09:15'),
    planned: t('2026-03-03T09:15'),
    expect: { kind: 'late', enteredAt: t('2026-03-03T09:10'), basis: 'modified' },
  },
  {
    name: 'a code added at 09:30 to an event created last week',
    start: '2026-03-03T14:00',
    createdAt: t('2026-02-24T10:00'),
    modifiedAt: t('2026-03-03T09:30'),
    event: t('2026-02-24T10:05'),
    day: t('2026-02-24T10:05'),
    planned: t('2026-03-03T09:35'),
    expect: { kind: 'late', enteredAt: t('2026-03-03T09:30'), basis: 'modified', approximate: false },
  },
  {
    name: 'a code added at 07:30 to an event created last week is on time',
    start: '2026-03-03T14:00',
    createdAt: t('2026-02-24T10:00'),
    modifiedAt: t('2026-03-03T07:30'),
    event: t('2026-02-24T10:05'),
    day: t('2026-02-24T10:05'),
    planned: t('2026-03-03T07:35'),
    expect: { kind: null, enteredAt: t('2026-03-03T07:30') },
  },
  {
    name: 'a code added later, but the modification time is older than what hanvisa saw: first-seen, approximate',
    start: '2026-03-03T14:00',
    createdAt: t('2026-02-24T10:00'),
    modifiedAt: t('2026-02-24T10:00'),
    event: t('2026-02-24T10:05'),
    day: t('2026-02-24T10:05'),
    planned: t('2026-03-03T09:35'),
    expect: { kind: 'late', enteredAt: t('2026-03-03T09:35'), basis: 'firstSeen', approximate: true },
  },
  {
    name: 'an invitation received at 09:00',
    start: '2026-03-03T11:00',
    createdAt: t('2026-03-03T09:00'),
    organizerIsSelf: false,
    expect: { kind: 'invited', enteredAt: t('2026-03-03T09:00') },
  },
  {
    name: 'an invitation received the day before is on time',
    start: '2026-03-03T11:00',
    createdAt: t('2026-03-02T09:00'),
    organizerIsSelf: false,
    expect: { kind: null },
  },
  {
    name: 'an invitation received after the start is invited (retroactive in details)',
    start: '2026-03-03T11:00',
    createdAt: t('2026-03-03T11:30'),
    organizerIsSelf: false,
    expect: { kind: 'invited' },
  },
  // DST: spring forward on Sunday 29 March 2026 (CEST, UTC+2 from 02:00 local).
  {
    name: 'DST Sunday in March: created 07:59 local is on time',
    start: '2026-03-29T10:00',
    createdAt: utc('2026-03-29T05:59:00Z'),
    expect: { kind: null, deadline: utc('2026-03-29T06:00:00Z') },
  },
  {
    name: 'DST Sunday in March: created 08:01 local is late',
    start: '2026-03-29T10:00',
    createdAt: utc('2026-03-29T06:01:00Z'),
    expect: { kind: 'late', deadline: utc('2026-03-29T06:00:00Z') },
  },
  {
    name: 'the Monday after spring forward: 07:59 CEST on time',
    start: '2026-03-30T09:00',
    createdAt: utc('2026-03-30T05:59:00Z'),
    expect: { kind: null, deadline: utc('2026-03-30T06:00:00Z') },
  },
  {
    name: 'the Monday after spring forward: 08:01 CEST late',
    start: '2026-03-30T09:00',
    createdAt: utc('2026-03-30T06:01:00Z'),
    expect: { kind: 'late' },
  },
  {
    name: 'the Saturday before spring forward: 07:30 CET (06:30Z) on time',
    start: '2026-03-28T10:00',
    createdAt: utc('2026-03-28T06:30:00Z'),
    expect: { kind: null, deadline: utc('2026-03-28T07:00:00Z') },
  },
  // DST: fall back on Sunday 25 October 2026 (CET, UTC+1 from 03:00 CEST).
  {
    name: 'DST Sunday in October: created 07:30 CET (06:30Z) is on time',
    start: '2026-10-25T10:00',
    createdAt: utc('2026-10-25T06:30:00Z'),
    expect: { kind: null, deadline: utc('2026-10-25T07:00:00Z') },
  },
  {
    name: 'DST Sunday in October: created 08:01 CET is late',
    start: '2026-10-25T10:00',
    createdAt: utc('2026-10-25T07:01:00Z'),
    expect: { kind: 'late', deadline: utc('2026-10-25T07:00:00Z') },
  },
  {
    name: 'DST Sunday in October: a 02:30 CET meeting (the repeated hour) has its start as deadline',
    start: '2026-10-25T02:30+01:00',
    createdAt: utc('2026-10-25T01:20:00Z'),
    expect: { kind: null, deadline: utc('2026-10-25T01:30:00Z') },
  },
  {
    name: 'the Monday after fall back: 07:59 CET on time',
    start: '2026-10-26T09:00',
    createdAt: utc('2026-10-26T06:59:00Z'),
    expect: { kind: null, deadline: utc('2026-10-26T07:00:00Z') },
  },
  {
    name: 'the Monday after fall back: 08:00:01 CET late',
    start: '2026-10-26T09:00',
    createdAt: utc('2026-10-26T07:00:01Z'),
    expect: { kind: 'late' },
  },
  {
    name: 'an ICS event without CREATED, first seen 09:10 after earlier rounds: late, approximate',
    start: '2026-03-03T10:00',
    createdAt: null,
    planned: t('2026-03-03T09:10'),
    expect: { kind: 'late', enteredAt: t('2026-03-03T09:10'), approximate: true, basis: 'firstSeen' },
  },
  {
    name: 'an ICS event without CREATED but with LAST-MODIFIED 07:30: on time, approximate',
    start: '2026-03-03T10:00',
    createdAt: null,
    modifiedAt: t('2026-03-03T07:30'),
    planned: t('2026-03-03T09:10'),
    expect: { kind: null, enteredAt: t('2026-03-03T07:30'), approximate: true, basis: 'modified' },
  },
  {
    name: "an ICS event without CREATED or LAST-MODIFIED on the calendar's first round: no verdict",
    start: '2026-03-03T10:00',
    createdAt: null,
    planned: t('2026-03-03T09:10'),
    previous: null,
    expect: null,
  },
  {
    name: "a new calendar's first sync trusts the creation time",
    start: '2026-03-03T10:00',
    createdAt: t('2026-02-24T10:00'),
    modifiedAt: t('2026-03-03T09:30'),
    planned: t('2026-03-03T10:30'),
    previous: null,
    expect: { kind: null, basis: 'created' },
  },
  {
    name: 'created 07:30 while hanvisa was down until 12:00: the creation time is trusted',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T07:30'),
    planned: t('2026-03-03T12:00'),
    previous: t('2026-03-02T17:00'),
    expect: { kind: null, basis: 'created' },
  },
  {
    name: 'already judged in an earlier round: no new verdict',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T09:00'),
    planned: t('2026-03-03T09:05'),
    previous: t('2026-03-03T09:05'),
    now: t('2026-03-03T09:10'),
    expect: null,
  },
  {
    name: 'a backfill (--now before the last round) judges what it sees for the first time',
    start: '2026-03-03T10:00',
    createdAt: t('2026-03-03T09:00'),
    planned: t('2026-03-03T09:05'),
    previous: t('2026-11-29T09:00'),
    expect: { kind: 'late' },
  },
];

describe('assessLateEntry', () => {
  const days = new LocalDays(ZONE, '08:00');
  it.each(CASES)('$name', (item) => {
    const planned = item.planned ?? (item.createdAt ?? t('2026-03-03T06:00')) + 5 * MIN;
    const sightings: Sightings = { event: item.event ?? planned, day: item.day ?? planned, planned };
    const previous = item.previous === undefined ? planned - 5 * MIN : item.previous;
    const occurrence: LateEntryFacts = {
      start: t(item.start),
      recurrenceId: item.recurrenceId ?? null,
      createdAt: item.createdAt,
      modifiedAt: item.modifiedAt ?? null,
      organizerIsSelf: item.organizerIsSelf ?? true,
    };
    const verdict = assessLateEntry(
      occurrence,
      sightings,
      { now: item.now ?? planned, previousSuccessAt: previous },
      days,
    );
    if (item.expect === null) {
      expect(verdict).toBeNull();
      return;
    }
    expect(verdict).not.toBeNull();
    expect(verdict?.kind).toBe(item.expect.kind);
    expect(verdict?.late).toBe(item.expect.kind !== null);
    if (item.expect.enteredAt !== undefined) expect(verdict?.enteredAt).toBe(item.expect.enteredAt);
    if (item.expect.deadline !== undefined) expect(verdict?.deadline).toBe(item.expect.deadline);
    if (item.expect.approximate !== undefined) expect(verdict?.approximate).toBe(item.expect.approximate);
    if (item.expect.basis !== undefined) expect(verdict?.basis).toBe(item.expect.basis);
  });

  it('uses the configured deadline time', () => {
    const nine = new LocalDays(ZONE, '09:00');
    const occurrence = {
      start: t('2026-03-03T10:00'),
      recurrenceId: null,
      createdAt: t('2026-03-03T08:30'),
      modifiedAt: null,
      organizerIsSelf: true,
    };
    const seen = { event: t('2026-03-03T08:35'), day: t('2026-03-03T08:35'), planned: t('2026-03-03T08:35') };
    expect(
      assessLateEntry(occurrence, seen, { now: seen.planned, previousSuccessAt: null }, nine)?.kind,
    ).toBeNull();
    expect(
      assessLateEntry(
        occurrence,
        seen,
        { now: seen.planned, previousSuccessAt: null },
        new LocalDays(ZONE, '08:00'),
      )?.kind,
    ).toBe('late');
  });
});

const TABLE = compileCodeTable(
  [
    { code: 'MÖT', aliases: ['MOT'], reason: 'meeting', label: 'Möte', planned: true },
    { code: 'LUN', aliases: [], reason: 'lunch', label: 'Lunch', planned: false },
  ],
  { position: 'prefix', referred: [':'], infoOnly: [';'], marker: '#', notCodes: ['SV'] },
);
const ENV: RuleEnvironment = {
  timeZone: ZONE,
  codes: TABLE,
  fallbackShowAs: new Set(),
  privateSkipped: false,
};

function occurrence(partial: Partial<Occurrence> & { start: number }): Occurrence {
  return {
    uid: 'uid-1',
    recurrenceId: null,
    end: partial.start + 60 * MIN,
    allDay: false,
    status: 'confirmed',
    showAs: 'busy',
    private: false,
    createdAt: null,
    modifiedAt: null,
    organizerIsSelf: true,
    subject: 'MÖT: Hemlig förhandling om Storgatan 5',
    ...partial,
  };
}

describe('lateEntryRule', () => {
  const now = t('2026-03-03T09:05');
  const late = occurrence({ uid: 'late', start: t('2026-03-03T10:00'), createdAt: t('2026-03-03T09:00') });
  const lunch = occurrence({
    uid: 'lunch',
    start: t('2026-03-03T12:00'),
    createdAt: t('2026-03-03T11:55'),
    subject: 'LUN: Lunch',
  });
  const invited = occurrence({
    uid: 'inv',
    start: t('2026-03-03T11:00'),
    createdAt: t('2026-03-03T09:00'),
    organizerIsSelf: false,
  });
  const coded: CodedOccurrence[] = [
    { occurrence: late, code: 'MÖT', planned: true, entryId: 'a' },
    { occurrence: lunch, code: 'LUN', planned: false, entryId: 'b' },
    { occurrence: invited, code: 'MÖT', planned: true, entryId: 'c' },
  ];
  const seen = { event: now, day: now, planned: now };
  const round = {
    calendar: 'anna/ics-1',
    employee: 'anna',
    now,
    previousSuccessAt: now - 5 * MIN,
    coded,
    sightings: [seen, undefined, seen],
    unknownCodes: [],
    occurrences: [late, lunch, invited],
  };

  it('finds late planned meetings only (a late LUN is no finding), invited ones with kind invited', () => {
    const out: RuleFinding[] = [];
    lateEntryRule({ deadline: '08:00', countInvited: false }, ENV).evaluate(round, out);
    expect(out.map((finding) => [finding.eventUid, finding.kind])).toEqual([
      ['late', 'late'],
      ['inv', 'invited'],
    ]);
    expect(out[0]).toEqual({
      key: `lateEntry\u0000anna/ics-1\u0000late\u0000${late.start}`,
      rule: 'lateEntry',
      kind: 'late',
      employee: 'anna',
      calendar: 'anna/ics-1',
      eventUid: 'late',
      occurrenceStart: late.start,
      foundAt: now,
      details: {
        code: 'MÖT',
        occurrenceEnd: late.end,
        enteredAt: t('2026-03-03T09:00'),
        deadline: t('2026-03-03T08:00'),
        approximate: false,
        basis: 'created',
        retroactive: false,
        invited: false,
      },
    });
  });

  it('never puts subject text into a finding', () => {
    const out: RuleFinding[] = [];
    lateEntryRule({ deadline: '08:00', countInvited: true }, ENV).evaluate(round, out);
    const text = JSON.stringify(out);
    expect(text).not.toContain('Hemlig');
    expect(text).not.toContain('Storgatan');
    expect(text).not.toContain('Lunch');
  });

  it('gives the same finding key in a second round, and no verdict once judged', () => {
    const first: RuleFinding[] = [];
    const rule = lateEntryRule({ deadline: '08:00', countInvited: false }, ENV);
    rule.evaluate(round, first);
    const second: RuleFinding[] = [];
    rule.evaluate({ ...round, now: now + 5 * MIN, previousSuccessAt: now }, second);
    expect(second).toEqual([]);
    expect(first).toHaveLength(2);
  });
});
