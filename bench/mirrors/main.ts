import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SqliteOutboxStore } from '../../src/adapters/mirrors/sqlite-outbox-store.js';
import { TeamsPresenceMirror } from '../../src/adapters/mirrors/teams-presence-mirror.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { deliverOutboxKind } from '../../src/app/outbox-job.js';
import type { Mirror, MirrorChange } from '../../src/app/ports/mirror.js';
import type { Plan } from '../../src/domain/reconcile.js';
import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../src/domain/referral-entry.js';

/**
 * Benchmark: the outbox and the Teams presence mirror. 10,000 employees with a current
 * referral each in the embedded register (SQLite file); one cycle changes 10 % of them (each
 * employee's plan applied in its own transaction, outbox rows in the same one); then the
 * deliverOutbox fan-out delivers to a mock Teams endpoint (own process, 20 ms per request).
 * Each change costs three Graph requests (setUserPreferredPresence, GET presence,
 * setStatusMessage).
 *
 * Figures per scenario: time from register change to delivered (p50, p99), deliveries per
 * second, and floor/wall, where the floor is the same number of plain `fetch` requests at the
 * same concurrency against the same mock (paced the same way when Graph's limit applies).
 * Scenarios: `limited` (Graph's 1,500 requests per 30 s; the mirror paces itself under it) and
 * `unlimited` (no limit: what hanvisa itself costs). Target: ≥ 0.8 of the floor; p99 below one
 * poll interval (5 min).
 *
 *   npm run bench:mirrors [-- --employees 10000 --share 0.1 --latency 20 --concurrency 16 --scenarios limited,unlimited]
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const HOUR = 3_600_000;

function args() {
  const values = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let index = 0; index < argv.length; index += 2)
    values.set(argv[index]?.replace(/^--/, '') ?? '', argv[index + 1] ?? '');
  return {
    employees: Number(values.get('employees') ?? 10_000),
    share: Number(values.get('share') ?? 0.1),
    latency: Number(values.get('latency') ?? 20),
    concurrency: Number(values.get('concurrency') ?? 16),
    scenarios: (values.get('scenarios') ?? 'unlimited,limited').split(','),
  };
}

async function startMock(latency: number, limit: number): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(path.join(HERE, 'mock-teams-main.js'), [], {
    env: { ...process.env, LATENCY_MS: String(latency), LIMIT: String(limit) },
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (message) => resolve((message as { port: number }).port)),
  );
  return { child, port };
}

async function stopMock(child: ChildProcess): Promise<{ served: number; throttled: number }> {
  const stats = new Promise<{ served: number; throttled: number }>((resolve) =>
    child.once('message', (message) => resolve(message as { served: number; throttled: number })),
  );
  child.send('stats');
  const result = await stats;
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  return result;
}

function entryOf(employee: string, start: number, end: number): ReferralEntry {
  const content = {
    employee,
    extension: '0512-30000',
    reason: 'meeting',
    label: 'Möte',
    mode: 'referred' as const,
    start,
    end,
  };
  const calendar = `${employee}/graph-1`;
  return {
    id: referralEntryId(employee, calendar, `uid-${employee}`, start),
    ...content,
    source: CALENDAR_SOURCE,
    sourceRef: { calendar, uid: `uid-${employee}`, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}

function plan(calendar: string, changes: Partial<Pick<Plan, 'creates' | 'updates'>>): Plan {
  return {
    calendar,
    creates: changes.creates ?? [],
    updates: changes.updates ?? [],
    deletes: [],
    unchanged: 0,
    refused: null,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

async function floor(
  port: number,
  requests: number,
  concurrency: number,
  pacedEveryMs: number,
): Promise<number> {
  let next = 0;
  let slot = 0;
  const base = `http://127.0.0.1:${port}/v1.0/users/u/presence`;
  const started = performance.now();
  const worker = async () => {
    while (next < requests) {
      const index = next++;
      if (pacedEveryMs > 0) {
        const now = Date.now();
        const at = Math.max(now, slot);
        slot = at + pacedEveryMs;
        if (at > now) await sleep(at - now);
      }
      const kind = index % 3;
      const response = await fetch(kind === 1 ? base : `${base}/setUserPreferredPresence`, {
        method: kind === 1 ? 'GET' : 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        ...(kind === 1
          ? {}
          : { body: '{"availability":"Busy","activity":"Busy","expirationDuration":"PT1H"}' }),
      });
      if (kind === 1) await response.json();
      else await response.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

async function scenario(name: string, options: ReturnType<typeof args>) {
  const limited = name === 'limited';
  const perWindow = 1500;
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-bench-mirrors-'));
  const db = openDatabase(path.join(dir, 'hanvisa.db'));
  const mock = await startMock(options.latency, limited ? perWindow : 0);
  try {
    const now = Date.now();
    const employees = Array.from(
      { length: options.employees },
      (_, index) => `e${String(index).padStart(5, '0')}`,
    );
    const plain = new SqliteReferralSink(db);
    const current = employees.map((employee) => entryOf(employee, now - HOUR, now + HOUR));
    for (const entry of current) await plain.apply(plan(entry.sourceRef.calendar, { creates: [entry] }));
    const outbox = new SqliteOutboxStore(db, { entryMirrors: ['teams'] });
    const sink = new SqliteReferralSink(db, { outbox });
    const teams = new TeamsPresenceMirror({
      name: 'teams',
      baseUrl: `http://127.0.0.1:${mock.port}/v1.0`,
      tokens: { getToken: async () => 't' },
      state: outbox,
      userFor: (employee) => `${employee}@vara.se`,
      presence: { meeting: { availability: 'Busy', activity: 'Busy' } },
      fallback: { availability: 'Away', activity: 'Away' },
      statusMessage: true,
      timeZone: 'Europe/Stockholm',
      requestsPer30s: limited ? perWindow : 1_000_000_000,
    });
    const deliveredAt = new Map<number, number>();
    const timed: Mirror = {
      name: teams.name,
      kind: teams.kind,
      receives: teams.receives,
      async deliver(change: MirrorChange, at: number) {
        await teams.deliver(change, at);
        deliveredAt.set(change.seq, Date.now());
      },
    };
    const kind = deliverOutboxKind({
      outbox,
      mirrors: new Map([['teams', timed]]),
      policy: () => ({ deadAfterMs: 24 * HOUR, baseDelayMs: 1000, maxDelayMs: 60_000, batch: 100 }),
      clock: Date.now,
      queue: () => null,
      maxDelayMs: 300_000,
      concurrency: options.concurrency,
    });
    // One cycle: 10 % of the employees' entries change (they end 30 minutes later).
    const changed = current.filter((_, index) => index % Math.round(1 / options.share) === 0);
    const cycleStarted = performance.now();
    for (const entry of changed) {
      const next = { ...entry, end: entry.end + HOUR / 2 };
      await sink.apply(
        plan(entry.sourceRef.calendar, { updates: [{ ...next, contentHash: referralContentHash(next) }] }),
      );
    }
    const applyMs = performance.now() - cycleStarted;
    const recordedAt = new Map(
      (
        db.prepare("SELECT seq, recorded_at FROM outbox WHERE change = 'updated'").all() as {
          seq: number;
          recorded_at: number;
        }[]
      ).map((row) => [row.seq, row.recorded_at]),
    );
    const deliveryStarted = performance.now();
    await kind.handle({ mirror: 'teams' }, Date.now());
    // What the fan-out left for retries (429s), delivered by the next runs as the runtime would.
    for (let round = 0; round < 100 && deliveredAt.size < recordedAt.size; round++) {
      await sleep(500);
      await kind.handle({ mirror: 'teams' }, Date.now());
    }
    const wallMs = performance.now() - deliveryStarted;
    const latencies = [...recordedAt.entries()]
      .map(([seq, at]) => (deliveredAt.get(seq) ?? Number.NaN) - at)
      .filter((value) => !Number.isNaN(value))
      .sort((a, b) => a - b);
    const mockStats = await stopMock(mock.child);
    const requests = mockStats.served;
    const floorMock = await startMock(options.latency, limited ? perWindow : 0);
    const floorMs = await floor(
      floorMock.port,
      requests,
      options.concurrency,
      limited ? 30_000 / perWindow : 0,
    );
    await stopMock(floorMock.child);
    return {
      scenario: name,
      employees: options.employees,
      changes: recordedAt.size,
      delivered: latencies.length,
      requests,
      throttled: mockStats.throttled,
      applyMs: Math.round(applyMs),
      wallMs: Math.round(wallMs),
      p50Ms: Math.round(percentile(latencies, 0.5)),
      p99Ms: Math.round(percentile(latencies, 0.99)),
      deliveriesPerSecond: Math.round((latencies.length / wallMs) * 1000),
      floorMs: Math.round(floorMs),
      floorOverWall: Number((floorMs / wallMs).toFixed(2)),
    };
  } finally {
    if (mock.child.exitCode === null) mock.child.kill();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const options = args();
console.log(
  `bench/mirrors: ${options.employees} employees, ${options.share * 100} % change, mock Teams ${options.latency} ms per request, concurrency ${options.concurrency}`,
);
for (const name of options.scenarios) console.log(JSON.stringify(await scenario(name, options)));
