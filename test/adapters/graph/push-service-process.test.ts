import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockGraph, mockTlsDir, startMockGraph } from '../../../bench/graph/mock-graph-server.js';
import { freePort, type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { type ServiceProcess, servedUrl, startService } from '../../helpers/service-process.js';
import { waitFor } from '../../workers/queue-fixture.js';

/**
 * Push on the real `hanvisa start`: the mock Graph (its HTTPS authority trusted through
 * NODE_EXTRA_CA_CERTS) creates subscriptions with the validation handshake and calls the
 * service back over loopback.
 */
const TENANT = '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77';
const TOKEN = 'push-test-token';
const HOUR = 3_600_000;
const MAILBOXES = 4;

let mock: MockGraph;
let redis: RedisServer;
const running: ServiceProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
beforeEach(async () => {
  // a fresh Graph each test: no subscriptions of the test before
  mock = await startMockGraph({
    latencyMs: 2,
    mailboxes: MAILBOXES,
    eventsPerMailbox: 3,
    baseTime: Date.now(),
    tenantId: TENANT,
  });
});
afterAll(async () => {
  await redis?.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
  await mock?.close();
});

function workspace(publicUrl: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-push-e2e-'));
  dirs.push(dir);
  const employees = Array.from(
    { length: MAILBOXES },
    (_, index) =>
      `    - { id: e${index}, name: E${index}, extension: "0512-4000${index}", calendars: [ { graph: u${index}@bench.example } ] }`,
  ).join('\n');
  const file = path.join(dir, 'hanvisa.yaml');
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
sink: { kind: embedded, path: data/hanvisa.db }
schedule: { every: 1s }
workers: { shutdownDeadline: 10m }
graph: { tenantId: ${TENANT}, clientId: 3f0e5a61-7c2d-4b8e-9a1f-0d6c4e2b7a90, authorityHost: ${mock.authorityHost}, baseUrl: ${mock.baseUrl}, batchSize: 1 }
push: { publicUrl: "${publicUrl}", coalesce: 300ms }
`,
  );
  return file;
}

function start(config: string, port: number, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
  const service = startService(['--config', config, '--port', String(port), ...extra], {
    HANVISA_API_TOKENS: TOKEN,
    HANVISA_GRAPH_CLIENT_SECRET: 'push-secret',
    NODE_EXTRA_CA_CERTS: path.join(mockTlsDir(), 'cert.pem'),
    ...env,
  });
  running.push(service);
  return service;
}

async function entriesOf(url: string, employee: string): Promise<{ start: number; label: string }[]> {
  const response = await fetch(`${url}/referrals?employee=${employee}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await response.json()) as { entries: { start: number; label: string }[] }).entries;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).text();
  let total = 0;
  for (const [, value] of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm')))
    total += Number(value);
  return total;
}

const at = (offsetHours: number) => Math.floor(Date.now() / HOUR) * HOUR + offsetHours * HOUR;

describe('push on the real hanvisa start', () => {
  it('embedded: subscribes every mailbox, a change reaches the register through one delta sync; a restart makes no duplicates and renewals continue', async () => {
    const port = await freePort();
    const config = workspace(`http://127.0.0.1:${port}`);
    mock.resetStats();
    const first = start(config, port);
    const url = await servedUrl(first);
    await waitFor('4 subscriptions', async () => mock.subscriptions().length === MAILBOXES, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a couple more slots
    expect(mock.stats.subscriptionsCreated).toBe(MAILBOXES);
    expect(mock.stats.validationsSent).toBe(2 * MAILBOXES);

    mock.resetStats();
    const start0 = at(26);
    await mock.addEvent('u0@bench.example', { subject: 'MÖT: Kundmöte', start: start0, end: start0 + HOUR });
    await waitFor('the entry in the register', async () =>
      (await entriesOf(url, 'e0')).some((entry) => entry.start === start0),
    );
    expect(mock.stats.notificationsFailed).toBe(0);
    expect(mock.deltaRequests('u0@bench.example')).toBe(1);
    expect(mock.deltaRequests('u1@bench.example')).toBe(0);
    expect(await metric(url, 'hanvisa_push_notifications_received_total')).toBe(1);
    expect(await metric(url, 'hanvisa_push_notification_to_referral_seconds_count')).toBe(1);
    expect(await first.stop()).toBe(0);

    // a day later (--now): the restarted service renews what it finds in the store, creates nothing
    mock.resetStats();
    const later = new Date(Date.now() + 25 * HOUR).toISOString();
    const second = start(config, port, ['--now', later]);
    const url2 = await servedUrl(second);
    await waitFor('4 renewals', async () => mock.stats.subscriptionsRenewed >= MAILBOXES, 30_000);
    expect(mock.stats.subscriptionsCreated).toBe(0);
    expect(mock.subscriptions()).toHaveLength(MAILBOXES);
    const start1 = at(50);
    await mock.addEvent('u1@bench.example', {
      subject: 'MÖT: Uppföljning',
      start: start1,
      end: start1 + HOUR,
    });
    await waitFor('the second entry in the register', async () =>
      (await entriesOf(url2, 'e1')).some((entry) => entry.start === start1),
    );
    expect(await second.stop()).toBe(0);
  });

  it('distributed, two worker processes on one Redis: no duplicate subscriptions, each notification handled once', async () => {
    // Graph reaches "the service" through one URL; a round-robin proxy spreads it over both processes.
    const [portA, portB] = [await freePort(), await freePort()];
    const hits = { a: 0, b: 0 };
    // like a load balancer with health checks: a process gets traffic once it serves
    const backends: number[] = [];
    let turn = 0;
    const proxy = http.createServer((req, res) => {
      if (backends.length === 0) {
        res.writeHead(503);
        res.end();
        return;
      }
      const target = backends[turn++ % backends.length] as number;
      if (target === portA) hits.a++;
      else hits.b++;
      const forward = http.request(
        { host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const config = workspace(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
      mock.resetStats();
      const env = { REDIS_URL: redis.url };
      const a = start(config, portA, [], env);
      const b = start(config, portB, [], env);
      // each joins the proxy as soon as it serves
      const [urlA, urlB] = (await Promise.all(
        [a, b].map(async (service, index) => {
          const url = await servedUrl(service);
          backends.push(index === 0 ? portA : portB);
          return url;
        }),
      )) as [string, string];
      await waitFor('4 subscriptions', async () => mock.subscriptions().length >= MAILBOXES, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // more slots, in both processes
      expect(mock.subscriptions()).toHaveLength(MAILBOXES);
      expect(mock.stats.subscriptionsCreated, 'subscriptions created').toBe(MAILBOXES);

      mock.resetStats();
      hits.a = 0;
      hits.b = 0;
      const starts = Array.from({ length: MAILBOXES }, (_, index) => at(30 + index));
      for (let index = 0; index < MAILBOXES; index++) {
        await mock.addEvent(`u${index}@bench.example`, {
          subject: 'MÖT: Avstämning',
          start: starts[index] as number,
          end: (starts[index] as number) + HOUR,
        });
      }
      for (let index = 0; index < MAILBOXES; index++) {
        await waitFor(`entry ${index} in the register`, async () =>
          (await entriesOf(urlA, `e${index}`)).some((entry) => entry.start === starts[index]),
        );
      }
      expect(hits.a).toBeGreaterThan(0);
      expect(hits.b).toBeGreaterThan(0);
      for (let index = 0; index < MAILBOXES; index++)
        expect(mock.deltaRequests(`u${index}@bench.example`)).toBe(1);
      const received =
        (await metric(urlA, 'hanvisa_push_notifications_received_total')) +
        (await metric(urlB, 'hanvisa_push_notifications_received_total'));
      expect(received, 'notifications received by A and B').toBe(MAILBOXES);
      expect(mock.stats.notificationsFailed).toBe(0);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
