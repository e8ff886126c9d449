import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGraphSource } from '../../src/adapters/graph/graph-source.js';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { SqliteStateStore } from '../../src/adapters/stores/sqlite-state-store.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { type Employee, loadConfig } from '../../src/app/config/load-config.js';
import type { CalendarRef, CalendarSource } from '../../src/app/ports/calendar-source.js';
import type { ReferralSink } from '../../src/app/ports/referral-sink.js';
import type { StateStore } from '../../src/app/ports/state-store.js';
import { syncCycle } from '../../src/app/sync-cycle.js';
import type { TimeSpan } from '../../src/domain/occurrence.js';
import { syncWindow } from '../../src/domain/sync-window.js';
import { type MockGraphStats, mockTlsDir } from './mock-graph-server.js';

/**
 * Benchmark: hanvisa's Graph delta sync through the sync use case against a mock Graph on
 * loopback (its own process; 20 ms per request; 429 above 4 in flight per mailbox), 2,000 and
 * 10,000 mailboxes × 30 events: a first round, then an incremental round with 1 % of the
 * mailboxes changed. Register and state are SQLite files (stored, not held), as in the embedded
 * runtime; `--store memory` uses in-memory fakes instead.
 *
 * Figures: bound/wall, where bound = requests × latency ÷ graph.maxConcurrency (1.0 = as fast
 * as the limits allow; target ≥ 0.8), and floor/wall, where the floor is plain `fetch` +
 * `JSON.parse` of as many requests at the same concurrency on this machine in the same run.
 *
 *   npm run bench:graph [-- --sizes 2000,10000 --latency 20 --concurrency 16 --store sqlite]
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));

function args() {
  const values = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let index = 0; index < argv.length; index += 2) {
    values.set(argv[index]?.replace(/^--/, '') ?? '', argv[index + 1] ?? '');
  }
  return {
    sizes: (values.get('sizes') ?? '2000,10000').split(',').map(Number),
    latency: Number(values.get('latency') ?? 20),
    concurrency: Number(values.get('concurrency') ?? 16),
    events: Number(values.get('events') ?? 30),
    store: values.get('store') === 'memory' ? ('memory' as const) : ('sqlite' as const),
    batches: (values.get('batch') ?? '1,20').split(',').map(Number),
  };
}

class MockProcess {
  readonly #child: ChildProcess;
  #next = 0;
  readonly #waiting = new Map<number, (value: { reply: unknown; stats: MockGraphStats }) => void>();
  constructor() {
    this.#child = fork(path.join(HERE, 'mock-graph-main.js'), [], { stdio: 'inherit', execArgv: [] });
    this.#child.on('message', (message: { id: number; reply: unknown; stats: MockGraphStats }) => {
      this.#waiting.get(message.id)?.(message);
      this.#waiting.delete(message.id);
    });
  }
  send(message: object): Promise<{ reply: unknown; stats: MockGraphStats }> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.send({ id, ...message });
    });
  }
  stop(): void {
    this.#child.disconnect();
  }
}

function baseConfig(dir: string) {
  const file = path.join(dir, 'hanvisa.yaml');
  writeFileSync(
    file,
    `codes:
  entries:
    - { code: MÖT, reason: meeting, label: Möte, planned: true }
    - { code: LUN, reason: lunch, label: Lunch }
    - { code: UTB, reason: training, label: Utbildning, planned: true }
directory: { employees: [] }
`,
  );
  return loadConfig(file, readEnvironment({}));
}

interface Row {
  batch: number;
  httpRequests: number;
  mailboxes: number;
  round: string;
  wallMs: number;
  floorMs: number;
  cpuMs: number;
  requests: number;
  boundMs: number;
  throttled: number;
  peakPerMailbox: number;
  peakRssMb: number;
  perMailbox: number;
  failed: number;
}

/** The Graph source alone (no use case, no register): every calendar's first round, results dropped. */
async function sourceOnly(
  source: CalendarSource,
  calendars: readonly CalendarRef[],
  window: TimeSpan,
  concurrency: number,
) {
  const results: { status: string; error: string | null }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calendars.length) {
        const calendar = calendars[next++] as CalendarRef;
        try {
          await source.fetch(calendar, window, null);
          results.push({ status: 'synced', error: null });
        } catch (error) {
          results.push({ status: 'failed', error: (error as Error).message });
        }
      }
    }),
  );
  return results;
}

/** Plain fetch + JSON.parse of `requests` requests of the round's kind at the same concurrency. */
async function floor(
  baseUrl: string,
  mailboxes: number,
  requests: number,
  concurrency: number,
  first: boolean,
) {
  let next = 0;
  const query = first
    ? 'startDateTime=2025-03-17T23:00:00Z&endDateTime=2025-04-02T22:00:00Z'
    : '$deltatoken=g0';
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const user = `u${next++ % mailboxes}%40bench.example`;
        const response = await fetch(`${baseUrl}/users/${user}/calendarView/delta?${query}`, {
          headers: { authorization: 'Bearer mock-access-token', prefer: 'odata.maxpagesize=100' },
        });
        JSON.parse(await response.text());
      }
    }),
  );
  return performance.now() - t0;
}

async function main() {
  const options = args();
  const now = Date.parse('2025-03-19T07:00:00Z');
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-bench-graph-'));
  const mock = new MockProcess();
  const rows: Row[] = [];
  const config = baseConfig(dir);
  try {
    for (const size of options.sizes)
      for (const batch of options.batches) {
        const started = (await mock.send({
          start: {
            latencyMs: options.latency,
            mailboxes: size,
            eventsPerMailbox: options.events,
            baseTime: now,
          },
        })) as { reply: { authorityHost: string; baseUrl: string } };
        const source = createGraphSource({
          tenantId: 'bench-tenant',
          clientId: 'bench-app',
          authorityHost: started.reply.authorityHost,
          baseUrl: started.reply.baseUrl,
          maxConcurrency: options.concurrency,
          maxPageSize: 100,
          batchSize: batch,
          timeZone: config.timeZone,
          credentials: {
            clientSecret: 'bench-secret',
            certificateKeyFile: null,
            certificateThumbprint: null,
            certificateFile: null,
          },
        });
        const employees = new Map<string, Employee>();
        const calendars: CalendarRef[] = [];
        for (let index = 0; index < size; index++) {
          const id = `u${index}`;
          employees.set(id, {
            id,
            name: id,
            email: null,
            extension: `0512-${String(index).padStart(5, '0')}`,
            manager: null,
          });
          calendars.push({
            id: `${id}/graph-1`,
            employee: id,
            kind: 'graph',
            address: `${id}@bench.example`,
          });
        }
        let sink: ReferralSink;
        let state: StateStore;
        if (options.store === 'sqlite') {
          const db = openDatabase(path.join(dir, `register-${size}-${batch}.db`));
          sink = new SqliteReferralSink(db, { ownsDb: false });
          state = new SqliteStateStore(db);
        } else {
          sink = new MemoryReferralSink();
          state = new MemoryStateStore();
        }
        const deps = { config: { ...config, employees }, sourceFor: () => source, sink, state };
        for (const round of ['source only (first round)', 'first round', 'incremental 1 %']) {
          if (round === 'incremental 1 %') await mock.send({ change: 0.01 });
          await mock.send({ reset: true });
          (globalThis as { gc?: () => void }).gc?.();
          let peakRss = process.memoryUsage().rss;
          const sampler = setInterval(() => {
            peakRss = Math.max(peakRss, process.memoryUsage().rss);
          }, 25);
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const results =
            round === 'source only (first round)'
              ? await sourceOnly(
                  source,
                  calendars,
                  syncWindow(now, config.timeZone, config.window),
                  options.concurrency * 4,
                )
              : await syncCycle(deps, calendars, {
                  now: now + (round === 'incremental 1 %' ? 300_000 : 0),
                  concurrency: options.concurrency * 4,
                });
          const wallMs = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          clearInterval(sampler);
          const { stats } = await mock.send({ stats: true });
          const floorMs = await floor(
            started.reply.baseUrl,
            size,
            stats.innerRequests,
            options.concurrency,
            round !== 'incremental 1 %',
          );
          const failed = results.filter((result) => result.status === 'failed');
          if (failed.length > 0) console.error(`${failed.length} failed, e.g. ${failed[0]?.error}`);
          rows.push({
            batch,
            httpRequests: stats.graphRequests,
            mailboxes: size,
            round,
            wallMs,
            floorMs,
            cpuMs: (cpu.user + cpu.system) / 1000,
            requests: stats.innerRequests,
            boundMs: (stats.innerRequests * options.latency) / options.concurrency,
            throttled: stats.throttled,
            peakPerMailbox: stats.peakPerMailbox,
            peakRssMb: peakRss / 2 ** 20,
            perMailbox: stats.innerRequests / size,
            failed: failed.length,
          });
          console.log(`ROW ${JSON.stringify(rows.at(-1))}`);
        }
        await sink.close();
        await state.close();
      }
  } finally {
    mock.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printHeader(options: ReturnType<typeof args>) {
  console.log(
    `Graph delta sync: mock Graph ${options.latency} ms/request, 429 above 4 per mailbox; graph.maxConcurrency ` +
      `${options.concurrency}; ${options.events} events/mailbox; register and state: ${options.store}\n`,
  );
  console.log(
    '| mailboxes | $batch | round | wall (s) | requests (HTTP) | req/mailbox | ideal bound (s) | bound/wall | fetch floor (s) | floor/wall | CPU (s) | 429s | peak RSS (MB) | failed |',
  );
  console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
}

function printRow(row: Row) {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(
    `| ${row.mailboxes} | ${row.batch === 1 ? 'off' : row.batch} | ${row.round} | ${s(row.wallMs)} | ${row.requests} (${row.httpRequests}) | ${row.perMailbox.toFixed(2)} | ${s(row.boundMs)} | ` +
      `${(row.boundMs / row.wallMs).toFixed(2)} | ${s(row.floorMs)} | ${(row.floorMs / row.wallMs).toFixed(2)} | ${s(row.cpuMs)} | ` +
      `${row.throttled} | ${row.peakRssMb.toFixed(0)} | ${row.failed} |`,
  );
}

/**
 * The parent: one child process per mailbox count and $batch setting, so each configuration's
 * peak memory is its own. MSAL talks only to an https authority and Node reads
 * NODE_EXTRA_CA_CERTS once at start, so the children trust the mock's test-only certificate.
 */
async function parent() {
  const options = args();
  printHeader(options);
  const rows: Row[] = [];
  for (const size of options.sizes) {
    for (const batch of options.batches) {
      const forwarded = ['latency', 'concurrency', 'events', 'store'].flatMap((key) => [
        `--${key}`,
        String(options[key as keyof typeof options]),
      ]);
      const result = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          process.argv[1] ?? '',
          '--sizes',
          String(size),
          '--batch',
          String(batch),
          ...forwarded,
        ],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          encoding: 'utf8',
          maxBuffer: 64 * 2 ** 20,
          env: {
            ...process.env,
            HANVISA_BENCH_GRAPH_CHILD: '1',
            NODE_EXTRA_CA_CERTS: path.join(mockTlsDir(), 'cert.pem'),
          },
        },
      );
      if (result.status !== 0) throw new Error(`benchmark child failed (${result.status})`);
      for (const line of result.stdout.split('\n')) {
        if (!line.startsWith('ROW ')) continue;
        const row = JSON.parse(line.slice(4)) as Row;
        rows.push(row);
        printRow(row);
      }
    }
  }
  const worst = Math.min(...rows.map((row) => row.boundMs / row.wallMs));
  const worstFloor = Math.min(...rows.map((row) => row.floorMs / row.wallMs));
  const peak10k = Math.max(0, ...rows.filter((row) => row.mailboxes >= 10_000).map((row) => row.peakRssMb));
  const incremental = Math.max(
    ...rows.filter((row) => row.round === 'incremental 1 %').map((row) => row.perMailbox),
  );
  const throttled = rows.reduce((sum, row) => sum + row.throttled, 0);
  console.log(
    `\ntargets: bound/wall ≥ 0.80 → worst ${worst.toFixed(2)} (floor/wall worst ${worstFloor.toFixed(2)}); ` +
      `peak RSS at 10,000 ≤ 512 MB → ${peak10k.toFixed(0)} MB; incremental requests per mailbox ≤ 1 → ${incremental.toFixed(2)}; ` +
      `429s → ${throttled}; most in flight for one mailbox → ${Math.max(...rows.map((row) => row.peakPerMailbox))}`,
  );
}

if (process.env.HANVISA_BENCH_GRAPH_CHILD === '1') await main();
else await parent();
