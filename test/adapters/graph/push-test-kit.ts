import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { type MockGraph, startMockGraph } from '../../../bench/graph/mock-graph-server.js';
import { GraphHttp } from '../../../src/adapters/graph/graph-http.js';
import { createGraphSource } from '../../../src/adapters/graph/graph-source.js';
import { createGraphSubscriptions } from '../../../src/adapters/graph/graph-subscriptions.js';
import {
  graphNotificationRoutes,
  LIFECYCLE_PATH,
  NOTIFICATION_PATH,
} from '../../../src/adapters/http/graph-notification-routes.js';
import { type HttpService, startHttpService } from '../../../src/adapters/http/http-service.js';
import { MemoryReferralSink } from '../../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryPushStore } from '../../../src/adapters/stores/memory-push-store.js';
import { MemoryStateStore } from '../../../src/adapters/stores/memory-state-store.js';
import { createReportDependencies } from '../../../src/app/composition-root.js';
import { readEnvironment } from '../../../src/app/config/environment.js';
import { type HanvisaConfig, loadConfig } from '../../../src/app/config/load-config.js';
import { InProcessJobs } from '../../../src/app/jobs/in-process-jobs.js';
import type { JobKind } from '../../../src/app/jobs/job-kind.js';
import { createJobTable } from '../../../src/app/jobs/job-table.js';
import { HanvisaMetrics } from '../../../src/app/metrics.js';
import type { PushSubscriptionStore } from '../../../src/app/ports/push-subscription-store.js';
import { PushMetrics } from '../../../src/app/push/push-metrics.js';
import { assemblePush, type PushParts } from '../../../src/app/push/push-service.js';
import type { PushSubscriptionDependencies } from '../../../src/app/push/push-subscriptions.js';
import { type SyncDependencies, syncCalendar } from '../../../src/app/sync-calendar.js';
import { registerDigest } from '../../../src/domain/reconcile.js';

export const TENANT = '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77';
export const HOUR = 3_600_000;

/** The test config: generated mock mailboxes u0…u<n-1>@bench.example as Graph calendars. */
export function pushConfig(mailboxes: number, graphBaseUrl: string, extra = ''): HanvisaConfig {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-push-'));
  const file = path.join(dir, 'hanvisa.yaml');
  const employees = Array.from(
    { length: mailboxes },
    (_, index) =>
      `    - { id: e${index}, name: E${index}, extension: "0512-4${String(index).padStart(4, '0')}", calendars: [ { graph: u${index}@bench.example } ] }`,
  ).join('\n');
  writeFileSync(
    file,
    `timeZone: Europe/Stockholm
codes:
  entries:
    - { code: MÖT, reason: meeting, label: Möte, planned: true }
    - { code: LUN, reason: lunch, label: Lunch }
directory:
  employees:
${employees}
sink: { kind: embedded, path: data/test.db }
graph: { tenantId: ${TENANT}, clientId: 3f0e5a61-7c2d-4b8e-9a1f-0d6c4e2b7a90, baseUrl: ${graphBaseUrl}, batchSize: 1 }
${extra}`,
  );
  return loadConfig(file, readEnvironment({ HANVISA_GRAPH_CLIENT_SECRET: 'test-secret' }));
}

export interface PushHarness {
  readonly mock: MockGraph;
  readonly config: HanvisaConfig;
  readonly service: HttpService;
  readonly store: PushSubscriptionStore;
  readonly sink: MemoryReferralSink;
  readonly state: MemoryStateStore;
  /** The embedded runtime's job runner over the real job table (syncCalendar with push, and push's kinds). */
  readonly jobs: InProcessJobs;
  /** Every job the table ran, with its outcome's status. */
  readonly ran: { kind: string; data: unknown; status: string }[];
  readonly registry: Registry;
  readonly push: PushParts;
  readonly subscriptions: PushSubscriptionDependencies;
  readonly sync: SyncDependencies;
  /** Runs every calendar's first round directly (no safety-poll filter). */
  pollAll(now?: number): Promise<void>;
  /** Runs one schedule slot's syncCalendar jobs, as the embedded runtime does. */
  slot(now?: number): Promise<void>;
  /** Builds a second manager on the same store, as a restarted process would. */
  restartedManager(): PushSubscriptionDependencies;
  /** Syncs that really ran (not skipped by the safety poll). */
  syncs(): number;
  close(): Promise<void>;
}

/**
 * Mock Graph (real callbacks over loopback) + the receiver on a real port + the real job table
 * (syncCalendar wrapped by push, push's kinds) run by the embedded runtime's InProcessJobs, with
 * the real sync use case against the mock's calendarView delta.
 */
export async function pushHarness(
  options: { mailboxes?: number; coalesceMs?: number; store?: PushSubscriptionStore } = {},
): Promise<PushHarness> {
  const mailboxes = options.mailboxes ?? 4;
  const mock = await startMockGraph({
    latencyMs: 2,
    mailboxes,
    eventsPerMailbox: 3,
    baseTime: Date.now(),
    tenantId: TENANT,
  });
  const loaded = pushConfig(mailboxes, mock.baseUrl);
  const store = options.store ?? new MemoryPushStore();
  const metrics = new HanvisaMetrics();
  const registry = metrics.registry;
  const pushMetrics = new PushMetrics(registry, store);
  const sink = new MemoryReferralSink();
  const state = new MemoryStateStore();
  const logger = pino({ level: 'silent' });
  const makeHttp = () =>
    new GraphHttp({
      baseUrl: mock.baseUrl,
      tokens: { getToken: async () => 'mock-access-token' },
      maxConcurrency: 16,
      sleep: async () => {},
    });
  const http = makeHttp();
  const source = createGraphSource({
    tenantId: TENANT,
    clientId: 'test',
    authorityHost: 'https://login.invalid',
    baseUrl: mock.baseUrl,
    maxConcurrency: 16,
    maxPageSize: 100,
    timeZone: loaded.timeZone,
    credentials: loaded.env.graph,
    http,
  });
  const sync: SyncDependencies = { config: loaded, sourceFor: () => source, sink, state };
  let jobs: InProcessJobs | null = null;
  const service = await startHttpService({
    host: '127.0.0.1',
    port: 0,
    routes: [
      graphNotificationRoutes({
        receive: (items, receivedAt) => push.receive(jobs as InProcessJobs, items, receivedAt),
        malformed: () => push.malformed(),
        clock: Date.now,
        bodyLimit: 64 * 1024,
      }),
    ],
  });
  const config: HanvisaConfig = {
    ...loaded,
    push: {
      publicUrl: service.url,
      lifetimeMs: 72 * HOUR,
      renewBeforeMs: 48 * HOUR,
      safetyPollMs: HOUR,
      coalesceMs: options.coalesceMs ?? 1_000,
      maxCreatesPerSlot: 1_000,
      bodyLimit: 64 * 1024,
    },
  };
  const api = (graphHttp: GraphHttp) =>
    createGraphSubscriptions({
      http: graphHttp,
      clientId: 'test',
      notificationUrl: `${service.url}${NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${service.url}${LIFECYCLE_PATH}`,
    });
  const push = assemblePush({
    push: config.push as NonNullable<HanvisaConfig['push']>,
    tenantId: TENANT,
    calendars: () => config.calendars,
    store,
    api: api(http),
    state,
    metrics: pushMetrics,
    syncRequest: (calendarId) => ({ kind: 'syncCalendar', data: { calendarId } }),
    concurrency: 8,
    clock: Date.now,
    registerDigestOf: async (calendar) => registerDigest(await sink.list({ calendar }), calendar),
  });
  const table = createJobTable({
    config,
    sync,
    reports: createReportDependencies(config, state),
    metrics,
    logger,
    pruneRetention: async () => ({}),
    removeDepartedCalendars: async () => ({}),
    push,
  });
  const ran: { kind: string; data: unknown; status: string }[] = [];
  const recorded = new Map(
    [...table].map(([name, kind]) => [
      name,
      {
        ...kind,
        handle: async (data: never, now: number) => {
          const outcome = await kind.handle(data, now);
          ran.push({ kind: name, data, status: outcome.status });
          return outcome;
        },
      } as JobKind<never>,
    ]),
  );
  const runner = new InProcessJobs(recorded, Date.now, logger);
  jobs = runner;
  return {
    mock,
    config,
    service,
    store,
    sink,
    state,
    jobs: runner,
    ran,
    registry,
    push,
    subscriptions: push.subscriptions,
    sync,
    async pollAll(now = Date.now()) {
      for (const calendar of config.calendars) await syncCalendar(sync, calendar, { now });
    },
    async slot(now = Date.now()) {
      void now;
      for (const calendar of config.calendars)
        await runner.run({ kind: 'syncCalendar', data: { calendarId: calendar.id } });
    },
    restartedManager: () => ({ ...push.subscriptions, api: api(makeHttp()) }),
    syncs: () => ran.filter((item) => item.kind === 'syncCalendar' && item.status !== 'pushed').length,
    async close() {
      await runner.drain();
      await service.close();
      await mock.close();
    },
  };
}

/** A metric's value by labels, from the registry's JSON. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((item) => item.name === name);
  const values = (metric?.values ?? []) as {
    value: number;
    labels: Record<string, unknown>;
    metricName?: string;
  }[];
  return values
    .filter((value) => (value.metricName ?? name) === name || value.metricName === `${name}_count`)
    .filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}
