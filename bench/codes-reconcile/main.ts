/**
 * bench/codes-reconcile: parse 1,000,000 generated subjects and reconcile 100,000 entries
 * against 100,000 current ones (10 % changed). Each figure is a ratio to a floor measured in
 * the same run: NFC + one precompiled RegExp for parsing, building a Map of the ids for
 * reconcile. Targets: parsing ≤ 2×, reconcile ≤ 5×. Best of five runs each.
 */
import { performance } from 'node:perf_hooks';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import { parseSubject } from '../../src/domain/codes/parse-subject.js';
import { reconcile } from '../../src/domain/reconcile.js';
import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../src/domain/referral-entry.js';

const SUBJECTS = 1_000_000;
const ENTRIES = 100_000;
const RUNS = 5;

const table = compileCodeTable(
  [
    { code: 'MÖT', aliases: ['MOT', 'MÖTE'], reason: 'meeting', label: 'Möte', planned: true },
    { code: 'SAM', aliases: [], reason: 'meeting', label: 'Sammanträde', planned: true },
    { code: 'UTB', aliases: ['KURS'], reason: 'training', label: 'Utbildning', planned: true },
    { code: 'UTE', aliases: ['BES'], reason: 'visit', label: 'Ute på besök', planned: true },
    { code: 'TJR', aliases: [], reason: 'travel', label: 'Tjänsteresa', planned: true },
    { code: 'LUN', aliases: [], reason: 'lunch', label: 'Lunch', planned: false },
    { code: 'SEM', aliases: ['FER'], reason: 'vacation', label: 'Semester', planned: false },
    { code: 'SJK', aliases: ['SJUK'], reason: 'sick', label: 'Sjuk', planned: false },
    { code: 'LED', aliases: [], reason: 'off', label: 'Ledig', planned: false },
    { code: 'GFD', aliases: [], reason: 'goneForTheDay', label: 'Gått för dagen', planned: false },
    { code: 'DIS', aliases: [], reason: 'remote', label: 'Distansarbete', planned: false },
  ],
  { position: 'prefix', referred: [':'], infoOnly: [';'], marker: '#', notCodes: ['RE', 'SV', 'FW', 'VB'] },
);

/** A deterministic mix: 60 % coded (cases, aliases, NFD, leading spaces), 10 % info-only, 10 % unknown, 20 % none. */
function generateSubjects(count: number): string[] {
  const codes = ['MÖT', 'möt', 'MO\u0308T', 'SAM', 'KURS', 'ute', 'TJR', 'LUN', 'SEM', 'sjuk', 'DIS', 'MÖTE'];
  const topics = [
    'Budgetberedning',
    'Ledningsgrupp',
    'Samverkan med skolan',
    'Brukarbesök',
    'Avstämning',
    'Lunch',
  ];
  const subjects: string[] = new Array(count);
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < count; i++) {
    const kind = random() % 10;
    const code = codes[random() % codes.length];
    const topic = `${topics[random() % topics.length]} ${i % 97}`;
    if (kind < 6) subjects[i] = `${kind === 0 ? '  ' : kind === 1 ? '\u200B' : ''}${code}: ${topic}`;
    else if (kind === 6) subjects[i] = `${code}; ${topic}`;
    else if (kind === 7) subjects[i] = `XQ${i % 7}: ${topic}`;
    else subjects[i] = `${topic} med gruppen`;
  }
  return subjects;
}

function best(run: () => number): { ms: number; check: number } {
  let ms = Number.POSITIVE_INFINITY;
  let check = 0;
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    check = run();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, check };
}

const subjects = generateSubjects(SUBJECTS);
const floorPattern = /^[\s\u200B]*(\p{L}[\p{L}\p{M}\p{N}]*)[ \t]*([:;])/u;
const parseFloor = best(() => {
  let matched = 0;
  for (const subject of subjects) if (floorPattern.exec(subject.normalize('NFC')) !== null) matched++;
  return matched;
});
const parse = best(() => {
  let coded = 0;
  for (const subject of subjects) if (parseSubject(subject, table).kind === 'code') coded++;
  return coded;
});

const NOW = Date.UTC(2026, 10, 30, 7, 0);
function entry(i: number, label: string): ReferralEntry {
  const start = NOW + (i % 1000) * 3_600_000 + i;
  const content = {
    employee: `e${i % 5000}`,
    extension: `0512-${i % 5000}`,
    reason: 'meeting',
    label,
    mode: 'referred' as const,
    start,
    end: start + 3_600_000,
  };
  return {
    id: referralEntryId(content.employee, 'calendar-1', `uid-${i}`, start),
    ...content,
    source: CALENDAR_SOURCE,
    sourceRef: { calendar: 'calendar-1', uid: `uid-${i}`, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}
const current = Array.from({ length: ENTRIES }, (_, i) => entry(i, 'Möte'));
const desired = Array.from({ length: ENTRIES }, (_, i) => entry(i, i % 10 === 0 ? 'Sammanträde' : 'Möte'));
const window = { from: NOW - 86_400_000, to: NOW + 60 * 86_400_000 };
const reconcileFloor = best(() => new Map(current.map((item) => [item.id, item])).size);
const plan = best(
  () =>
    reconcile(desired, current, {
      calendar: 'calendar-1',
      window,
      now: NOW,
      guard: { maxShare: 0.5, minEntries: 4 },
      force: false,
    }).updates.length,
);

const rows = [
  ['parse 1,000,000 subjects', parse.ms, parseFloor.ms, SUBJECTS, 2],
  ['reconcile 100,000 vs 100,000 (10 % changed)', plan.ms, reconcileFloor.ms, ENTRIES, 5],
] as const;
console.log('| benchmark | hanvisa | floor | throughput | ratio to floor | target |');
console.log('|---|---|---|---|---|---|');
for (const [name, ms, floor, count, target] of rows) {
  const ratio = ms / floor;
  console.log(
    `| ${name} | ${ms.toFixed(1)} ms | ${floor.toFixed(1)} ms | ${(((count / ms) * 1000) / 1e6).toFixed(2)} M/s | ${ratio.toFixed(2)}× | ≤ ${target}× ${ratio <= target ? 'ok' : 'MISSED'} |`,
  );
}
console.log(`(checks: ${parse.check} coded subjects, ${plan.check} updates planned)`);
