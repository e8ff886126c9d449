import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { GraphHttp } from '../../src/adapters/graph/graph-http.js';
import { createGraphSource } from '../../src/adapters/graph/graph-source.js';
import { createGraphSubscriptions } from '../../src/adapters/graph/graph-subscriptions.js';
import {
  graphNotificationRoutes,
  LIFECYCLE_PATH,
  NOTIFICATION_PATH,
} from '../../src/adapters/http/graph-notification-routes.js';
import { startHttpService } from '../../src/adapters/http/http-service.js';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryPushStore } from '../../src/adapters/stores/memory-push-store.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { createReportDependencies } from '../../src/app/composition-root.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { InProcessJobs } from '../../src/app/jobs/in-process-jobs.js';
import { createJobTable } from '../../src/app/jobs/job-table.js';
import { HanvisaMetrics } from '../../src/app/metrics.js';
import type { ReferralSink } from '../../src/app/ports/referral-sink.js';
import { PushMetrics } from '../../src/app/push/push-metrics.js';
import { assemblePush, type PushParts } from '../../src/app/push/push-service.js';
import { maintainSubscriptions } from '../../src/app/push/push-subscriptions.js';
import { syncCalendar } from '../../src/app/sync-calendar.js';
import { type Plan, registerDigest } from '../../src/domain/reconcile.js';
import type { MockGraphStats } from '../graph/mock-graph-server.js';

/**
 * Benchmark: push (Graph change notifications) against polling, for 1,000 and 10,000 mailboxes,
 * against the mock Graph in its own process (20 ms per request; it really calls hanvisa's
 * receiver back over loopback). One simulated hour in which 1 % of the mailboxes change each
 * minute; a simulated minute lasts `--minute-ms` of real time (default 2 s: the hour's load is
 * 30× denser than real, which only makes push's latency worse).
 *
 * Warm-up (not measured): subscriptions created gradually over the previous simulated 24 h
 * (ceil(N/288) per 5-minute slot: the way maxCreatesPerSlot spreads them, so renewals spread
 * too), and every mailbox's first round spread over the previous hour (so safety polls spread).
 *
 * The hour, push: notifications → receiver → queue → delta sync; every 5 minutes a slot runs the
 * safety-poll-filtered scheduled poll and renewSubscriptions. Polling: every slot polls every
 * mailbox. Figures: latency from the change in the mock to the entry in the register (push: real
 * seconds; polling: simulated seconds, which is what the schedule makes it in real time), and
 * Graph requests per unchanged mailbox in the hour (delta + subscription requests).
 *
 *   npm run bench:push [-- --sizes 1000,10000 --latency 20 --minute-ms 2000]
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function args() {
  const values = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let index = 0; index < argv.length; index += 2)
    values.set(argv[index]?.replace(/^--/, '') ?? '', argv[index + 1] ?? '');
  return {
    sizes: (values.get('sizes') ?? '1000,10000').split(',').map(Number),
    latency: Number(values.get('latency') ?? 20),
    minuteMs: Number(values.get('minute-ms') ?? 2_000),
    modes: (values.get('modes') ?? 'push,poll').split(','),
  };
}

class MockProcess {
  readonly #child: ChildProcess;
  #next = 0;
  readonly #waiting = new Map<number, (value: { reply: unknown; stats: MockGraphStats }) => void>();
  constructor() {
    this.#child = fork(path.join(HERE, 'mock-push-main.js'), [], { stdio: 'inherit', execArgv: [] });
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

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

interface Result {
  mode: string;
  mailboxes: number;
  changes: number;
  measured: number;
  p50: number;
  p99: number;
  max: number;
  perUnchanged: number;
  deltaPerUnchanged: number;
  subscriptionPerUnchanged: number;
  notificationsSent: number;
  notificationsFailed: number;
  notificationsSlow: number;
  syncs: number;
  cpuS: number;
}

async function run(size: number, mode: 'push' | 'poll', options: ReturnType<typeof args>): Promise<Result> {
  const mock = new MockProcess();
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-bench-push-'));
  try {
    const t0 = Date.now();
    const started = (await mock.send({
      start: { latencyMs: options.latency, mailboxes: size, eventsPerMailbox: 5, baseTime: t0 },
    })) as { reply: { baseUrl: string } };
    const baseUrl = started.reply.baseUrl;
    const file = path.join(dir, 'hanvisa.yaml');
    const employees = Array.from(
      { length: size },
      (_, index) =>
        `    - { id: e${index}, name: E${index}, extension: "${10_000 + index}", calendars: [ { graph: u${index}@bench.example } ] }`,
    ).join('\n');
    writeFileSync(
      file,
      `codes:\n  entries:\n    - { code: MÖT, reason: meeting, label: Möte, planned: true }\n    - { code: LUN, reason: lunch, label: Lunch }\n    - { code: UTB, reason: training, label: Utbildning }\ndirectory:\n  employees:\n${employees}\ngraph: { tenantId: bench, clientId: bench, baseUrl: ${baseUrl} }\n`,
    );
    const config = loadConfig(file, readEnvironment({ HANVISA_GRAPH_CLIENT_SECRET: 'x' }));
    let simNow = t0 - 24 * HOUR;
    const clock = () => simNow;
    const http = new GraphHttp({
      baseUrl,
      tokens: { getToken: async () => 'mock-access-token' },
      maxConcurrency: 16,
      batchSize: 20,
    });
    const source = createGraphSource({
      tenantId: 'bench',
      clientId: 'bench',
      authorityHost: 'https://login.invalid',
      baseUrl,
      maxConcurrency: 16,
      maxPageSize: 100,
      timeZone: config.timeZone,
      credentials: config.env.graph,
      http,
    });
    /** The register, noting when each pending change reached it. */
    const pending = new Map<string, { real: number; sim: number }>();
    /** The scheduled time of the slot that is polling (polling's latency is the schedule's). */
    let slotAt = 0;
    const latencies: number[] = [];
    const register = new MemoryReferralSink();
    const sink: ReferralSink = {
      list: register.list.bind(register),
      get: register.get.bind(register),
      ownedCalendars: register.ownedCalendars.bind(register),
      pruneEnded: register.pruneEnded.bind(register),
      close: register.close.bind(register),
      async apply(plan: Plan) {
        await register.apply(plan);
        const change = pending.get(plan.calendar);
        if (change !== undefined && plan.creates.length + plan.updates.length > 0) {
          pending.delete(plan.calendar);
          const real = (Date.now() - change.real) / 1000;
          latencies.push(mode === 'push' ? real : Math.max((slotAt - change.sim) / 1000, real));
        }
      },
    };
    const state = new MemoryStateStore();
    const sync = { config, sourceFor: () => source, sink, state };
    const byId = new Map(config.calendars.map((calendar) => [calendar.id, calendar]));
    let syncs = 0;
    const store = new MemoryPushStore();
    const metrics = new HanvisaMetrics();
    const pushMetrics = new PushMetrics(metrics.registry, store);
    const logger = pino({ level: 'silent' });
    let jobs: InProcessJobs | null = null;
    let push: PushParts | null = null;
    const service = await startHttpService({
      host: '127.0.0.1',
      port: 0,
      routes: [
        graphNotificationRoutes({
          receive: (items, at) => (push as PushParts).receive(jobs as InProcessJobs, items, at),
          clock: Date.now,
          bodyLimit: 1024 * 1024,
        }),
      ],
    });
    const pushConfig = {
      publicUrl: service.url,
      lifetimeMs: 72 * HOUR,
      renewBeforeMs: 48 * HOUR,
      safetyPollMs: HOUR,
      coalesceMs: 2_000,
      maxCreatesPerSlot: Math.ceil(size / 288),
      bodyLimit: 1024 * 1024,
    };
    if (mode === 'push') {
      push = assemblePush({
        push: pushConfig,
        tenantId: null,
        calendars: () => config.calendars,
        store,
        api: createGraphSubscriptions({
          http,
          clientId: 'bench',
          notificationUrl: `${service.url}${NOTIFICATION_PATH}`,
          lifecycleNotificationUrl: `${service.url}${LIFECYCLE_PATH}`,
        }),
        state,
        metrics: pushMetrics,
        syncRequest: (calendarId) => ({ kind: 'syncCalendar', data: { calendarId } }),
        concurrency: 16,
        clock: Date.now,
        registerDigestOf: async (calendar) => registerDigest(await register.list({ calendar }), calendar),
      });
    }
    const table = createJobTable({
      config,
      sync,
      reports: createReportDependencies(config, state),
      metrics,
      logger,
      pruneRetention: async () => ({}),
      removeDepartedCalendars: async () => ({}),
      onCalendarSynced: () => {
        syncs++;
      },
      ...(push === null ? {} : { push }),
    });
    const runner = new InProcessJobs(table, clock, logger);
    jobs = runner;
    const syncOne = async (calendarId: string, now: number) => {
      const calendar = byId.get(calendarId);
      if (calendar !== undefined) await syncCalendar(sync, calendar, { now });
    };

    // warm-up: subscriptions over the previous 24 h, first rounds over the previous hour
    if (mode === 'push') {
      for (let slot = 0; slot < 288; slot++) {
        simNow = t0 - 24 * HOUR + slot * 5 * MINUTE;
        await maintainSubscriptions((push as PushParts).subscriptions, simNow);
      }
    }
    const ids = config.calendars.map((calendar) => calendar.id);
    for (let slot = 0; slot < 12; slot++) {
      simNow = t0 - HOUR + slot * 5 * MINUTE;
      const batch = mode === 'push' ? ids.filter((_, index) => index % 12 === slot) : slot === 0 ? ids : [];
      await pool(batch, 32, async (id) => {
        await syncOne(id, simNow);
      });
    }
    await mock.send({ reset: true });
    syncs = 0;
    const cpu = process.cpuUsage();

    // the hour
    const changed = new Set<number>();
    let changes = 0;
    let slotRun: Promise<void> = Promise.resolve();
    const runSlot = (at: number) => {
      const previous = slotRun;
      slotRun = (async () => {
        await previous;
        slotAt = at;
        await pool(ids, 32, async (id) => {
          await runner.run({ kind: 'syncCalendar', data: { calendarId: id } });
        });
        if (mode === 'push') await runner.run({ kind: 'renewSubscriptions', data: {} });
      })();
    };
    const startReal = Date.now();
    for (let minute = 0; minute < 60; minute++) {
      simNow = t0 + minute * MINUTE;
      if (minute % 5 === 0) {
        runSlot(simNow);
        // polling: the slot's polls happen at its instant; this minute's changes wait for the next one
        if (mode === 'poll') await slotRun;
      }
      const indices = new Set<number>();
      while (indices.size < Math.max(1, Math.round(size / 100)))
        indices.add(Math.floor(Math.random() * size));
      const eventStart = Math.floor(simNow / HOUR) * HOUR + 26 * HOUR + minute * MINUTE;
      const real = Date.now();
      for (const index of indices) {
        changed.add(index);
        changes++;
        if (!pending.has(`e${index}/graph-1`))
          pending.set(`e${index}/graph-1`, { real, sim: simNow + Math.random() * MINUTE });
      }
      await mock.send({
        addEvents: {
          indices: [...indices],
          start: eventStart,
          end: eventStart + 30 * MINUTE,
          notify: mode === 'push',
        },
      });
      await sleep(Math.max(0, startReal + (minute + 1) * options.minuteMs - Date.now()));
    }
    simNow = t0 + HOUR;
    await slotRun;
    await runner.drain();
    // the hour's requests; then polling's next slot picks up the hour's last changes
    const counts = (await mock.send({ counts: size })) as {
      reply: { delta: number[]; subscription: number[] };
      stats: MockGraphStats;
    };
    const used = process.cpuUsage(cpu);
    const hourSyncs = syncs;
    if (mode === 'poll') runSlot(simNow);
    await slotRun;
    for (let wait = 0; wait < 60 && pending.size > 0; wait++) {
      await runner.drain();
      await sleep(500);
    }
    let delta = 0;
    let subs = 0;
    let unchanged = 0;
    for (let index = 0; index < size; index++) {
      if (changed.has(index)) continue;
      unchanged++;
      delta += counts.reply.delta[index] ?? 0;
      subs += counts.reply.subscription[index] ?? 0;
    }
    await runner.drain();
    await service.close();
    return {
      mode,
      mailboxes: size,
      changes,
      measured: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
      perUnchanged: (delta + subs) / unchanged,
      deltaPerUnchanged: delta / unchanged,
      subscriptionPerUnchanged: subs / unchanged,
      notificationsSent: counts.stats.notificationsSent,
      notificationsFailed: counts.stats.notificationsFailed,
      notificationsSlow: counts.stats.notificationsSlow,
      syncs: hourSyncs,
      cpuS: (used.user + used.system) / 1e6,
    };
  } finally {
    mock.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const options = args();
console.log(
  `node ${process.version}, mock Graph ${options.latency} ms per request, simulated minute = ${options.minuteMs} ms`,
);
console.log(
  '| mailboxes | mode | changes | p50 (s) | p99 (s) | max (s) | Graph requests / unchanged mailbox / h (delta + subscription) | syncs in the hour | notifications (failed, > 3 s) | CPU (s) | latency in |',
);
console.log('|---:|---|---:|---:|---:|---:|---|---:|---|---:|---|');
for (const size of options.sizes) {
  for (const mode of options.modes as ('push' | 'poll')[]) {
    const r = await run(size, mode, options);
    const latency = mode === 'push' ? 'real' : 'simulated';
    console.log(
      `| ${size.toLocaleString('en')} | ${mode} | ${r.changes} (${r.measured} measured) | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.perUnchanged.toFixed(3)} (${r.deltaPerUnchanged.toFixed(3)} + ${r.subscriptionPerUnchanged.toFixed(3)}) | ${r.syncs} | ${r.notificationsSent} (${r.notificationsFailed}, ${r.notificationsSlow}) | ${r.cpuS.toFixed(1)} | ${latency} time |`,
    );
  }
}
