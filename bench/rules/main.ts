/**
 * bench/rules: evaluate the rules over 1,000,000 coded occurrences (1,000 calendars' rounds of
 * 1,000 occurrences over a year: 70 % planned codes, creation the evening before, on the morning
 * before the deadline, after it, after the start; 10 % invitations, 5 % codes added later, 2 %
 * unknown codes). Prints µs per occurrence and the ratio to a floor that only computes each
 * occurrence's deadline through the same per-local-day cache (`LocalDays`). Target ≤ 3× the
 * floor with the default rules (lateEntry + unknownCode); missingCode (off by default) is shown
 * too. Best of five runs each; sightings are prepared beforehand (they come from the store).
 */
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import type { CodedOccurrence, UnknownCodeSighting } from '../../src/domain/desired-entries.js';
import type { Occurrence } from '../../src/domain/occurrence.js';
import { LocalDays } from '../../src/domain/rules/local-days.js';
import type { RuleEnvironment, RuleFinding, RuleRound, Sightings } from '../../src/domain/rules/rule.js';
import { createRules, evaluateRules } from '../../src/domain/rules/rule-registry.js';

const ZONE = 'Europe/Stockholm';
const ROUNDS = 1_000;
const PER_ROUND = 1_000;
const RUNS = 5;
const MIN = 60_000;
const HOUR = 60 * MIN;

const codes = compileCodeTable(
  [
    { code: 'MÖT', aliases: [], reason: 'meeting', label: 'Möte', planned: true },
    { code: 'UTB', aliases: [], reason: 'training', label: 'Utbildning', planned: true },
    { code: 'LUN', aliases: [], reason: 'lunch', label: 'Lunch', planned: false },
  ],
  { position: 'prefix', referred: [':'], infoOnly: [';'], marker: '#', notCodes: [] },
);
const environment: RuleEnvironment = {
  timeZone: ZONE,
  codes,
  fallbackShowAs: new Set(),
  privateSkipped: false,
};

function generate(): RuleRound[] {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed % n;
  };
  const yearStart = DateTime.fromISO('2026-01-05T00:00', { zone: ZONE });
  const rounds: RuleRound[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const coded: CodedOccurrence[] = [];
    const sightings: (Sightings | undefined)[] = [];
    const unknownCodes: UnknownCodeSighting[] = [];
    const occurrences: Occurrence[] = [];
    // each calendar's round looks at two weeks of one part of the year
    const base = yearStart.plus({ days: (r * 7) % 350 });
    const now = base.plus({ hours: 9 }).toMillis();
    for (let i = 0; i < PER_ROUND; i++) {
      const day = base.plus({ days: random(14) });
      const start = day.set({ hour: 7 + random(10), minute: random(4) * 15 }).toMillis();
      const deadline = Math.min(start, day.set({ hour: 8 }).toMillis());
      const when = random(100);
      const createdAt =
        when < 60
          ? deadline - 14 * HOUR
          : when < 80
            ? deadline - 30 * MIN
            : when < 95
              ? deadline + random(90) * MIN
              : start + HOUR;
      const planned = random(10) < 7;
      const occurrence: Occurrence = {
        uid: `uid-${r}-${i}`,
        recurrenceId: null,
        start,
        end: start + HOUR,
        allDay: false,
        status: 'confirmed',
        showAs: 'busy',
        private: false,
        createdAt,
        modifiedAt: createdAt,
        organizerIsSelf: random(10) !== 0,
        subject: '',
      };
      occurrences.push(occurrence);
      const codeAdded = random(20) === 0;
      const firstSeen = createdAt + 5 * MIN;
      coded.push({ occurrence, code: planned ? 'MÖT' : 'LUN', planned, entryId: `e${i}` });
      sightings.push(
        planned
          ? { event: createdAt, day: codeAdded ? createdAt : firstSeen, planned: firstSeen }
          : undefined,
      );
      if (random(50) === 0) unknownCodes.push({ uid: occurrence.uid, start, token: 'MTÖ' });
    }
    rounds.push({
      calendar: `cal-${r}`,
      employee: `emp-${r}`,
      now,
      previousSuccessAt: null,
      coded,
      sightings,
      unknownCodes,
      occurrences,
    });
  }
  return rounds;
}

function best(run: () => number): { ms: number; result: number } {
  let ms = Number.POSITIVE_INFINITY;
  let result = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    result = run();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, result };
}

const rounds = generate();
const total = ROUNDS * PER_ROUND;

function floor(): number {
  const days = new LocalDays(ZONE, '08:00');
  let sum = 0;
  for (const round of rounds) {
    for (const item of round.coded) {
      const start = item.occurrence.start;
      sum += Math.min(days.dayOf(start).deadline, start) % 1000;
    }
  }
  return sum;
}

function withRules(settings: Parameters<typeof createRules>[0]): () => number {
  return () => {
    const rules = createRules(settings, environment);
    let found = 0;
    for (const round of rounds) {
      const findings: RuleFinding[] = evaluateRules(rules, round);
      found += findings.length;
    }
    return found;
  };
}

const defaults = {
  lateEntry: { enabled: true, deadline: '08:00', countInvited: false },
  unknownCode: { enabled: true },
  missingCode: { enabled: false, workingHours: { from: '08:00', to: '17:00' }, workingDays: [1, 2, 3, 4, 5] },
};

const floorTime = best(floor);
const defaultTime = best(withRules(defaults));
const allTime = best(withRules({ ...defaults, missingCode: { ...defaults.missingCode, enabled: true } }));
const perOccurrence = (ms: number) => ((ms * 1000) / total).toFixed(3);
const ratio = (ms: number) => (ms / floorTime.ms).toFixed(2);

console.log(
  `bench/rules: ${total.toLocaleString('en')} coded occurrences in ${ROUNDS} rounds (best of ${RUNS})`,
);
console.log(
  `  floor (deadline per occurrence, cached per local day): ${perOccurrence(floorTime.ms)} µs/occurrence`,
);
console.log(
  `  rules (lateEntry + unknownCode, the defaults):          ${perOccurrence(defaultTime.ms)} µs/occurrence  ` +
    `${ratio(defaultTime.ms)}× the floor (target ≤ 3×), ${defaultTime.result.toLocaleString('en')} findings`,
);
console.log(
  `  rules (+ missingCode):                                  ${perOccurrence(allTime.ms)} µs/occurrence  ` +
    `${ratio(allTime.ms)}× the floor, ${allTime.result.toLocaleString('en')} findings`,
);
