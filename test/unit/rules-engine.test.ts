import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import type { RoundObservations } from '../../src/app/rule-hook.js';
import { createRuleRunner } from '../../src/app/rule-runner.js';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import { desiredEntries } from '../../src/domain/desired-entries.js';
import type { Occurrence } from '../../src/domain/occurrence.js';
import { LocalDays } from '../../src/domain/rules/local-days.js';
import { missingCodeRule, overlapsWorkingTime } from '../../src/domain/rules/missing-code.js';
import type { RuleEnvironment, RuleFinding, RuleRound } from '../../src/domain/rules/rule.js';
import { createRules, RULES } from '../../src/domain/rules/rule-registry.js';
import { suggestCode, unknownCodeRule } from '../../src/domain/rules/unknown-code.js';

const ZONE = 'Europe/Stockholm';
const t = (local: string) => DateTime.fromISO(local, { zone: ZONE }).toMillis();
const MIN = 60_000;
const TABLE = compileCodeTable(
  [
    { code: 'MÖT', aliases: ['MOT', 'MÖTE'], reason: 'meeting', label: 'Möte', planned: true },
    { code: 'LUN', aliases: [], reason: 'lunch', label: 'Lunch', planned: false },
    { code: 'UTB', aliases: [], reason: 'training', label: 'Utbildning', planned: true },
  ],
  { position: 'prefix', referred: [':'], infoOnly: [';'], marker: '#', notCodes: ['SV', 'RE'] },
);
const ENV: RuleEnvironment = {
  timeZone: ZONE,
  codes: TABLE,
  fallbackShowAs: new Set(),
  privateSkipped: false,
};
const SETTINGS = {
  lateEntry: { enabled: true, deadline: '08:00', countInvited: false },
  unknownCode: { enabled: true },
  missingCode: { enabled: true, workingHours: { from: '08:00', to: '17:00' }, workingDays: [1, 2, 3, 4, 5] },
};

function occurrence(partial: Partial<Occurrence> & { uid: string; start: number }): Occurrence {
  return {
    recurrenceId: null,
    end: partial.start + 60 * MIN,
    allDay: false,
    status: 'confirmed',
    showAs: 'busy',
    private: false,
    createdAt: t('2026-02-01T10:00'),
    modifiedAt: t('2026-02-01T10:00'),
    organizerIsSelf: true,
    subject: '',
    ...partial,
  };
}

function round(occurrences: Occurrence[], now: number): RuleRound {
  const desired = desiredEntries(
    occurrences,
    { employee: 'anna', extension: '1', calendar: 'anna/ics-1' },
    { codes: TABLE, private: 'referCodeOnly', fallback: {} },
    'test-uid-key',
  );
  return {
    calendar: 'anna/ics-1',
    employee: 'anna',
    now,
    previousSuccessAt: null,
    coded: desired.coded,
    sightings: desired.coded.map(() => undefined),
    unknownCodes: desired.unknownCodes,
    occurrences,
  };
}

describe('unknownCode', () => {
  it.each([
    ['MTÖ', 'MÖT'],
    ['mööt', 'MÖT'],
    ['LUNC', 'LUN'],
    ['XYZQ', null],
  ])('suggests a configured code for %s', (token, expected) => {
    expect(suggestCode(token, TABLE)).toBe(expected);
  });

  it('records the suggestion, never the token or the subject', () => {
    const out: RuleFinding[] = [];
    const now = t('2026-03-03T09:00');
    unknownCodeRule(ENV).evaluate(
      round([occurrence({ uid: 'u1', start: t('2026-03-03T10:00'), subject: 'MTÖ: Samtal med Kalle' })], now),
      out,
    );
    expect(out).toEqual([
      {
        key: `unknownCode\u0000anna/ics-1\u0000u1\u0000${t('2026-03-03T10:00')}`,
        rule: 'unknownCode',
        kind: 'unknown',
        employee: 'anna',
        calendar: 'anna/ics-1',
        eventUid: 'u1',
        occurrenceStart: t('2026-03-03T10:00'),
        foundAt: now,
        details: { suggestion: 'MÖT' },
      },
    ]);
    expect(JSON.stringify(out)).not.toMatch(/MTÖ|Kalle|Samtal/);
  });
});

describe('missingCode', () => {
  const days = new LocalDays(ZONE);
  const hours = { workingHours: { from: '08:00', to: '17:00' }, workingDays: [1, 2, 3, 4, 5] };
  it.each([
    ['Tuesday 10:00–11:00', t('2026-03-03T10:00'), t('2026-03-03T11:00'), true],
    ['Tuesday 06:00–07:59', t('2026-03-03T06:00'), t('2026-03-03T07:59'), false],
    ['Tuesday 16:59–18:00', t('2026-03-03T16:59'), t('2026-03-03T18:00'), true],
    ['Saturday 10:00–11:00', t('2026-03-07T10:00'), t('2026-03-07T11:00'), false],
    ['all day Sunday 29 March (23 h)', t('2026-03-29T00:00'), t('2026-03-30T00:00'), false],
    ['Friday evening to Monday 09:00', t('2026-03-06T18:00'), t('2026-03-09T09:00'), true],
  ])('%s overlaps working time: %s', (_name, start, end, expected) => {
    expect(overlapsWorkingTime({ start, end }, hours, days)).toBe(expected);
  });

  it('reports busy or oof time without a code once it has started; not coded, free, future or fallback time', () => {
    const now = t('2026-03-03T12:00');
    const occurrences = [
      occurrence({ uid: 'busy', start: t('2026-03-03T10:00'), subject: 'Tandläkare' }),
      occurrence({ uid: 'oof', start: t('2026-03-03T08:00'), showAs: 'oof', subject: 'Sjuk' }),
      occurrence({ uid: 'coded', start: t('2026-03-03T09:00'), subject: 'MÖT: Budget' }),
      occurrence({ uid: 'free', start: t('2026-03-03T09:00'), showAs: 'free', subject: 'Fokustid' }),
      occurrence({ uid: 'later', start: t('2026-03-03T15:00'), subject: 'Tandläkare' }),
      occurrence({ uid: 'typo', start: t('2026-03-03T09:00'), subject: 'MTÖ: Budget' }),
    ];
    const out: RuleFinding[] = [];
    missingCodeRule(hours, ENV).evaluate(round(occurrences, now), out);
    expect(out.map((finding) => [finding.eventUid, finding.kind])).toEqual([
      ['busy', 'busy'],
      ['oof', 'oof'],
    ]);
    const withFallback = { ...ENV, fallbackShowAs: new Set(['oof'] as const) };
    const fallbackOut: RuleFinding[] = [];
    missingCodeRule(hours, withFallback).evaluate(round(occurrences, now), fallbackOut);
    expect(fallbackOut.map((finding) => finding.eventUid)).toEqual(['busy']);
    expect(JSON.stringify(out)).not.toMatch(/Tandläkare|Sjuk/);
  });
});

describe('rule registry', () => {
  it('registers every rule by its config name and creates the enabled ones', () => {
    expect(Object.keys(RULES)).toEqual(['lateEntry', 'unknownCode', 'missingCode']);
    expect(createRules(SETTINGS, ENV).map((rule) => rule.name)).toEqual([
      'lateEntry',
      'unknownCode',
      'missingCode',
    ]);
    const some = { ...SETTINGS, missingCode: { ...SETTINGS.missingCode, enabled: false } };
    expect(createRules(some, ENV).map((rule) => rule.name)).toEqual(['lateEntry', 'unknownCode']);
  });
});

describe('rule runner (sightings across rounds)', () => {
  const config = {
    timeZone: ZONE,
    codes: TABLE,
    policy: { codes: TABLE, private: 'referCodeOnly' as const, fallback: {} },
    rules: {
      ...SETTINGS,
      missingCode: { ...SETTINGS.missingCode, enabled: false },
      findingsRetentionDays: 400,
    },
  };
  const calendar = { id: 'anna/ics-1', employee: 'anna', kind: 'ics' as const, address: '/x.ics' };

  function observe(
    occurrences: Occurrence[],
    now: number,
    previousSuccessAt: number | null,
  ): RoundObservations {
    const desired = desiredEntries(
      occurrences,
      { employee: 'anna', extension: '1', calendar: calendar.id },
      config.policy,
      'test-uid-key',
    );
    return {
      calendar,
      window: { from: now - 86_400_000, to: now + 14 * 86_400_000 },
      now,
      coded: desired.coded,
      unknownCodes: desired.unknownCodes,
      occurrences,
      previousSuccessAt,
    };
  }

  it('a code added at 09:30 to an event hanvisa saw last week is late, judged once', async () => {
    const state = new MemoryStateStore();
    const run = createRuleRunner(config, state);
    const created = t('2026-02-24T10:00');
    const base = { uid: 'ev', start: t('2026-03-03T14:00'), createdAt: created, modifiedAt: created };
    const week = await run(
      observe([occurrence({ ...base, subject: 'Budget' })], t('2026-02-24T10:05'), null),
    );
    expect(week).toEqual([]);
    const edited = occurrence({ ...base, modifiedAt: t('2026-03-03T09:30'), subject: 'MÖT: Budget' });
    const findings = await run(observe([edited], t('2026-03-03T09:35'), t('2026-03-03T09:30')));
    expect(
      findings.map((finding) => [finding.kind, finding.details.enteredAt, finding.details.basis]),
    ).toEqual([['late', t('2026-03-03T09:30'), 'modified']]);
    const again = await run(observe([edited], t('2026-03-03T09:40'), t('2026-03-03T09:35')));
    expect(again).toEqual([]);
  });

  it("a new calendar's first round trusts creation times; a meeting created late is found", async () => {
    const state = new MemoryStateStore();
    const run = createRuleRunner(config, state);
    const now = t('2026-03-03T09:10');
    const findings = await run(
      observe(
        [
          occurrence({ uid: 'old', start: t('2026-03-03T10:00'), subject: 'MÖT: a' }),
          occurrence({
            uid: 'new',
            start: t('2026-03-03T11:00'),
            createdAt: t('2026-03-03T09:00'),
            subject: 'UTB: b',
          }),
          occurrence({ uid: 'typo', start: t('2026-03-03T13:00'), subject: 'MTÖ: c' }),
        ],
        now,
        null,
      ),
    );
    expect(findings.map((finding) => [finding.rule, finding.eventUid, finding.kind])).toEqual([
      ['lateEntry', 'new', 'late'],
      ['unknownCode', 'typo', 'unknown'],
    ]);
  });
});
