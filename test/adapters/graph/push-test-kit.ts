import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { type MockGraph, startMockGraph } from '../../../bench/graph/mock-graph-server.js';
import { InProcessQueue as TestQueue } from '../../../bench/push/in-process-queue.js';
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
import { readEnvironment } from '../../../src/app/config/environment.js';
import { type HanvisaConfig, loadConfig } from '../../../src/app/config/load-config.js';
import type { JobOutcome } from '../../../src/app/jobs/job-kind.js';
import type { PushSubscriptionStore } from '../../../src/app/ports/push-subscription-store.js';
import { pushJobKinds } from '../../../src/app/push/push-jobs.js';
import { PushMetrics } from '../../../src/app/push/push-metrics.js';
import { receiveNotifications } from '../../../src/app/push/push-receiver.js';
import type { PushSubscriptionDependencies } from '../../../src/app/push/push-subscriptions.js';
import { type SyncDependencies, syncCalendar } from '../../../src/app/sync-calendar.js';
import { TransientError } from '../../../src/domain/errors.js';

export const TENANT = '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77';
export const HOUR = 3_600_000;

/** The in-process queue with the port's semantics (coalescing by key). */
export { InProcessQueue as TestQueue } from '../../../bench/push/in-process-queue.js';

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
  readonly queue: TestQueue;
  readonly metrics: PushMetrics;
  readonly registry: Registry;
  readonly subscriptions: PushSubscriptionDependencies;
  readonly sync: SyncDependencies;
  /** Syncs every calendar once (the scheduled poll, without the safety-poll filter). */
  pollAll(now?: number): Promise<void>;
  /** Builds a second manager on the same store, as a restarted process would. */
  restartedManager(): PushSubscriptionDependencies;
  close(): Promise<void>;
}

/**
 * Mock Graph (real callbacks over loopback) + the receiver on a real port + the push kinds on a
 * test queue + the real sync use case against the mock's calendarView delta.
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
  const config = pushConfig(mailboxes, mock.baseUrl);
  const store = options.store ?? new MemoryPushStore();
  const registry = new Registry();
  const metrics = new PushMetrics(registry, store);
  const sink = new MemoryReferralSink();
  const state = new MemoryStateStore();
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
    timeZone: config.timeZone,
    credentials: config.env.graph,
    http,
  });
  const sync: SyncDependencies = { config, sourceFor: () => source, sink, state };
  let queue: TestQueue | null = null;
  const service = await startHttpService({
    host: '127.0.0.1',
    port: 0,
    routes: [
      graphNotificationRoutes({
        receive: (items, receivedAt) =>
          receiveNotifications(
            {
              store,
              queue: queue as TestQueue,
              metrics,
              coalesceMs: options.coalesceMs ?? 1_000,
              tenantId: TENANT,
            },
            items,
            receivedAt,
          ),
        malformed: () => metrics.refused.inc({ reason: 'malformed' }),
        clock: Date.now,
        bodyLimit: 64 * 1024,
      }),
    ],
  });
  const manager = (graphHttp: GraphHttp): PushSubscriptionDependencies => ({
    calendars: () => config.calendars,
    store,
    api: createGraphSubscriptions({
      http: graphHttp,
      clientId: 'test',
      notificationUrl: `${service.url}${NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${service.url}${LIFECYCLE_PATH}`,
    }),
    timing: { lifetimeMs: 72 * HOUR, renewBeforeMs: 48 * HOUR, safetyPollMs: HOUR },
    maxCreatesPerRun: 1_000,
    concurrency: 8,
    metrics,
  });
  const subscriptions = manager(http);
  const syncOne = async (calendarId: string, now: number): Promise<JobOutcome> => {
    const calendar = config.calendars.find((item) => item.id === calendarId);
    if (calendar === undefined) return { status: 'gone' };
    const result = await syncCalendar(sync, calendar, { now });
    if (result.status === 'failed' && result.transient) throw new TransientError(result.error ?? 'failed');
    return { status: result.status, counts: { created: result.created, updated: result.updated } };
  };
  queue = new TestQueue(
    pushJobKinds({
      subscriptions,
      syncCalendar: syncOne,
      syncKey: (calendar) => calendar,
      metrics,
      clock: Date.now,
    }),
    Date.now,
  );
  const testQueue = queue;
  return {
    mock,
    config,
    service,
    store,
    sink,
    state,
    queue: testQueue,
    metrics,
    registry,
    subscriptions,
    sync,
    async pollAll(now = Date.now()) {
      for (const calendar of config.calendars) await syncOne(calendar.id, now);
    },
    restartedManager: () => manager(makeHttp()),
    async close() {
      await testQueue.idle();
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
