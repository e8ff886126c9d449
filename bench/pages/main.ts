/**
 * bench/pages: the switchboard's search over 10,000 employees (30,000 register entries), as
 * the board asks it while an operator types: `GET /api/tavla?q=…` through the real fastify
 * service (session cookie check, search, now-state of up to 50 people, JSON), measured
 * server-side with `inject`. Floor in the same run: one substring scan of the 10,000 folded
 * names (no ranking, no state, no HTTP). Target: every answer within 50 ms (p99 and max).
 * Also: re-reading the SQLite register into the index (in the background, every 5 s while a
 * board listens), which a search never waits for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { buildHttpService } from '../../src/adapters/http/http-service.js';
import { fold } from '../../src/adapters/http/pages/board-index.js';
import type { PageEmployee, PagesDeps } from '../../src/adapters/http/pages/page-deps.js';
import { pagesRoutes } from '../../src/adapters/http/pages/pages-routes.js';
import { LoopbackLink } from '../../src/adapters/http/pages/sign-in-routes.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import { CALENDAR_SOURCE, type ReferralEntry, referralContentHash } from '../../src/domain/referral-entry.js';

const EMPLOYEES = 10_000;
const PER_EMPLOYEE = 3;
const RUNS = 200;
const ZONE = 'Europe/Stockholm';
const NOW = DateTime.fromISO('2026-03-03T10:00', { zone: ZONE }).toMillis();

const FIRST = [
  'Anna',
  'Bo',
  'Cecilia',
  'David',
  'Erik',
  'Fatima',
  'Göran',
  'Hanna',
  'Ingrid',
  'Johan',
  'Karin',
  'Lars',
  'Maria',
  'Nils',
  'Olle',
  'Per',
  'Sara',
  'Åsa',
  'Örjan',
  'Ülla',
];
const LAST = [
  'Andersson',
  'Berg',
  'Carlsson',
  'Dahl',
  'Ek',
  'Forsberg',
  'Gustafsson',
  'Holm',
  'Ivarsson',
  'Johansson',
  'Karlsson',
  'Lindqvist',
  'Mohammed',
  'Nilsson',
  'Östlund',
  'Persson',
  'Svensson',
  'Åberg',
];
const UNITS = ['Ekonomi', 'Socialtjänst', 'Skola', 'Teknik', 'Kultur och fritid', 'Äldreomsorg', 'IT', 'HR'];
const LABELS = [
  ['Möte', 'meeting'],
  ['Lunch', 'lunch'],
  ['Utbildning', 'training'],
  ['Ute på besök', 'visit'],
] as const;

/** mulberry32: a small deterministic generator whose low bits are not periodic (an LCG's are). */
let seed = 7;
const random = (n: number) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n) | 0;
};

const employees = new Map<string, PageEmployee>();
const entries: ReferralEntry[] = [];
for (let index = 0; index < EMPLOYEES; index++) {
  const id = `e${index}`;
  const extension = `0512-${String(30_000 + index).padStart(5, '0')}`;
  employees.set(id, {
    id,
    name: `${FIRST[random(FIRST.length)]} ${LAST[random(LAST.length)]}`,
    extension,
    manager: null,
    unit: UNITS[random(UNITS.length)] as string,
    email: null,
  });
  for (let n = 0; n < PER_EMPLOYEE; n++) {
    const [label, reason] = LABELS[random(LABELS.length)] as readonly [string, string];
    const start = NOW + (random(20) - 6) * 1_800_000;
    const end = start + (1 + random(6)) * 1_800_000;
    const mode = random(5) === 0 ? 'infoOnly' : 'referred';
    const fields = { employee: id, extension, reason, label, mode, start, end } as const;
    entries.push({
      ...fields,
      id: `${id}-${n}`,
      source: CALENDAR_SOURCE,
      sourceRef: { calendar: `${id}/ics-1`, uid: `u${n}`, recurrenceId: null },
      contentHash: referralContentHash(fields),
    });
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-bench-pages-'));
const db = openDatabase(path.join(dir, 'register.db'));
const sink = new SqliteReferralSink(db);
for (let index = 0; index < EMPLOYEES; index++) {
  const creates = entries.slice(index * PER_EMPLOYEE, (index + 1) * PER_EMPLOYEE);
  const calendar = `e${index}/ics-1`;
  await sink.apply({ calendar, creates, updates: [], deletes: [], unchanged: 0, refused: null });
}

const codes = compileCodeTable(
  [{ code: 'MÖT', aliases: [], reason: 'meeting', label: 'Möte', planned: true }],
  {
    position: 'prefix',
    referred: [':'],
    infoOnly: [';'],
    marker: '#',
    notCodes: [],
  },
);
const deps: PagesDeps = {
  timeZone: ZONE,
  window: { pastDays: 1, futureDays: 14 },
  codes,
  manual: { deadline: '08:00', lateEntryEnabled: true, privatePolicy: 'referCodeOnly', fallback: {} },
  lateEntry: { deadline: '08:00', countInvited: false },
  employees,
  people: employees,
  calendars: [],
  sink,
  state: new MemoryStateStore(),
  scheduleEveryMs: 300_000,
  clock: () => NOW,
  boardRefreshMs: 3_600_000,
};
const server = await buildHttpService({
  routes: [
    pagesRoutes(deps, {
      auth: {
        sessionSecret: 'bench-secret-bench-secret-bench',
        sessionHours: 10,
        secureCookies: false,
        oidc: null,
        loopbackLink: new LoopbackLink('bench'),
      },
      redirectUri: null,
    }),
  ],
});
const signIn = await server.inject({ method: 'GET', url: '/?token=bench' });
const cookie = String(signIn.headers['set-cookie']).split(';')[0] as string;

/** What an operator types, keystroke by keystroke, plus a few whole queries. */
const QUERIES = [
  '',
  'a',
  'an',
  'and',
  'ande',
  'anders',
  'andersson',
  'ö',
  'östl',
  '0512',
  '3123',
  '31234',
  'ekonomi',
  'anna ber',
  'zzz',
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const folded = [...employees.values()].map((employee) => fold(employee.name));
console.log('| query | hits | p50 | p99 | max | CPU p99 | floor p50 | ratio p50 to floor |');
console.log('|---|---|---|---|---|---|---|---|');
let worst = 0;
let worstCpu = 0;
for (const query of QUERIES) {
  const url = `/api/tavla?q=${encodeURIComponent(query)}`;
  const times: number[] = [];
  const cpus: number[] = [];
  let hits = 0;
  for (let run = 0; run < 20; run++) await server.inject({ method: 'GET', url, headers: { cookie } });
  for (let run = 0; run < RUNS; run++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const response = await server.inject({ method: 'GET', url, headers: { cookie } });
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode}`);
    hits = (response.json() as { total: number }).total;
  }
  const floors: number[] = [];
  const term = fold(query);
  let check = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    for (const name of folded) if (name.includes(term)) check++;
    floors.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  worstCpu = Math.max(worstCpu, percentile(cpus, 99));
  floors.sort((a, b) => a - b);
  const p50 = percentile(times, 50);
  const max = times[times.length - 1] as number;
  worst = Math.max(worst, max);
  const floor = Math.max(percentile(floors, 50), 0.001);
  console.log(
    `| "${query}" | ${hits} | ${p50.toFixed(2)} ms | ${percentile(times, 99).toFixed(2)} ms | ${max.toFixed(2)} ms | ${percentile(cpus, 99).toFixed(2)} ms | ${floor.toFixed(3)} ms | ${(p50 / floor).toFixed(1)}× |`,
  );
  if (check < 0) console.log(check);
}
const refreshes: number[] = [];
const { BoardFeed } = await import('../../src/adapters/http/pages/board-feed.js');
for (let run = 0; run < 5; run++) {
  const feed = new BoardFeed(employees.values(), ZONE, sink, 1, () => NOW);
  const started = performance.now();
  await feed.refresh();
  refreshes.push(performance.now() - started);
}
const listOnly: number[] = [];
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  await sink.list({});
  listOnly.push(performance.now() - started);
}
const incremental: number[] = [];
{
  const feed = new BoardFeed(employees.values(), ZONE, sink, 3_600_000, () => NOW);
  await feed.refresh();
  for (let run = 0; run < 50; run++) {
    const original = entries[run * PER_EMPLOYEE] as ReferralEntry;
    const changed = { ...original, end: original.end + 60_000 * (run + 1) };
    const moved = { ...changed, contentHash: referralContentHash(changed) };
    await sink.apply({
      calendar: moved.sourceRef.calendar,
      creates: [],
      updates: [moved],
      deletes: [],
      unchanged: 0,
      refused: null,
    });
    const started = performance.now();
    await feed.calendarSynced(moved.sourceRef.calendar);
    incremental.push(performance.now() - started);
  }
}
const best = (values: number[]) => Math.min(...values);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
console.log(
  `\nre-reading the register into the index (${entries.length} entries, background): ${best(refreshes).toFixed(1)} ms, ` +
    `of which SQLite list: ${best(listOnly).toFixed(1)} ms (${(best(refreshes) / best(listOnly)).toFixed(2)}× the list alone)`,
);
console.log(
  `re-reading one calendar after it synced in this process (embedded runtime): median ${median(incremental).toFixed(2)} ms`,
);
console.log(`CPU per answer, worst p99 over the queries: ${worstCpu.toFixed(2)} ms`);
console.log(
  `slowest search answer after warm-up: ${worst.toFixed(2)} ms (target ≤ 50 ms: ${worst <= 50 ? 'ok' : 'MISSED'}; load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`,
);
await server.close();
db.close();
rmSync(dir, { recursive: true, force: true });
