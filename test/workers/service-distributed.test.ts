import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { editFile, hanvisa, sampleWorkspace } from '../helpers/cli.js';
import { freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type ServiceProcess, servedAt, startService } from '../helpers/service-process.js';
import { waitFor } from './queue-fixture.js';

/**
 * The distributed runtime as `REDIS_URL=… hanvisa start` runs it: real processes, a real
 * redis-server that is stopped and started empty (no persistence), the HTTP service of both
 * runtimes, and the schedule every process re-creates.
 */
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.dispose();
});
const running: ServiceProcess[] = [];
beforeEach(async () => {
  // Each test on an empty Redis: a killed process's active jobs would hold their keys for a lock's time.
  await redis.stop();
  await redis.start();
});
afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
});

function workspace() {
  const ws = sampleWorkspace();
  editFile(
    ws.config,
    (text) =>
      `${text.replace('schedule: { every: 5m }', 'schedule: { every: 1s }')}\nworkers: { shutdownDeadline: 10m }\n`,
  );
  return ws;
}

function start(config: string, extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const service = startService(['--config', config, '--port', '0', ...extra], {
    REDIS_URL: redis.url,
    ...env,
  });
  running.push(service);
  return service;
}

/** Calendar rounds this process completed (synced or unchanged), from its /metrics. */
async function roundsDone(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const [, value] of text.matchAll(/^hanvisa_calendars_synced_total\{[^}]*\} (\d+)/gm))
    total += Number(value);
  return total;
}

function enqueuedSlots(service: ServiceProcess): string[] {
  return service
    .stderr()
    .split('\n')
    .filter((line) => line.includes('"sync cycle enqueued"'))
    .map((line) => (JSON.parse(line) as { slot: string }).slot);
}

describe('hanvisa start with REDIS_URL (real process, real Redis)', () => {
  it('every cycle has a slot of its own and runs its jobs (the second cycle after a start too)', async () => {
    const service = start(workspace().config);
    const { url } = await servedAt(service);
    await waitFor('three cycles enqueued', async () => enqueuedSlots(service).length >= 3, 30_000);
    const slots = enqueuedSlots(service).slice(0, 3);
    expect(new Set(slots).size).toBe(3);
    await waitFor('three cycles of 5 calendars done', async () => (await roundsDone(url)) >= 15, 30_000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/referrals`)).status).toBe(401);
  });

  it('a Redis restarted empty is repopulated: cycles go on, and liveness failed while none were enqueued', {
    timeout: 120_000,
  }, async () => {
    const service = start(workspace().config);
    const { url } = await servedAt(service);
    await waitFor('a first cycle done', async () => (await roundsDone(url)) >= 5, 30_000);
    await redis.stop();
    await waitFor(
      'liveness fails without cycles',
      async () => (await fetch(`${url}/healthz`)).status === 503,
      30_000,
    );
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    await redis.start(); // empty: no AOF, no RDB
    const before = await roundsDone(url);
    await waitFor(
      'cycles again after the restart',
      async () => (await roundsDone(url)) >= before + 10,
      30_000,
    );
    await waitFor('liveness back', async () => (await fetch(`${url}/healthz`)).status === 200, 30_000);
  });

  it('exits 0 at once on SIGTERM with a shutdown deadline of 10 minutes', async () => {
    const service = start(workspace().config);
    const { url } = await servedAt(service);
    await waitFor('a cycle done', async () => (await roundsDone(url)) >= 5, 30_000);
    // Only a leaked timer, socket or handle can make this outlast the test's timeout.
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.stdout()).toMatch(/hanvisa: stopped/);
  });

  it('a start that cannot reach Redis exits 1 at once, saying so', async () => {
    const nobody = await freePort();
    const service = start(workspace().config, [], { REDIS_URL: `redis://127.0.0.1:${nobody}` });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/cannot reach Redis at REDIS_URL/);
  });

  it('a start that fails after reaching Redis (the register cannot be opened) exits 1 at once, leaving nothing open', async () => {
    const ws = workspace();
    editFile(ws.config, (text) =>
      text.replace('path: ../data/hanvisa.db', 'path: /dev/null/nope/hanvisa.db'),
    );
    const service = start(ws.config);
    // Before #7 the worker connection stayed open and the process ran on, doing nothing.
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/ENOTDIR/);
  });

  it('report late with REDIS_URL reads the findings the service stored in Redis', async () => {
    const ws = workspace();
    const service = start(ws.config, ['--now', '2026-11-16T07:00']);
    const { url } = await servedAt(service);
    await waitFor('a cycle done', async () => (await roundsDone(url)) >= 5, 30_000);
    expect(await service.stop('SIGTERM')).toBe(0);
    const args = ['report', 'late', '--config', ws.config, '--from', '2026-11-16', '--to', '2026-11-23'];
    const shared = hanvisa(args, { env: { REDIS_URL: redis.url } });
    expect(shared.code).toBe(0);
    const findings = (JSON.parse(shared.stdout) as { findings: { rule: string }[] }).findings;
    expect(findings.filter((finding) => finding.rule === 'lateEntry').length).toBeGreaterThan(0);
  });

  it('names and covers the same weekly report as the embedded runtime, for one config', {
    timeout: 90_000,
  }, async () => {
    const reportsOf = (dir: string) =>
      readdirSync(path.join(dir, 'reports'))
        .filter((name) => name.endsWith('.html'))
        .sort();
    // Embedded: the first run records the schedule, the one after Monday 07:00 sends that week.
    const embedded = workspace();
    for (const now of ['2026-11-22T12:00', '2026-11-23T07:30']) {
      const result = hanvisa([
        'start',
        '--config',
        embedded.config,
        '--port',
        '0',
        '--cycles',
        '1',
        '--now',
        now,
      ]);
      expect(result.code, result.stderr).toBe(0);
    }
    // Distributed, same config and clock.
    const distributed = workspace();
    for (const now of ['2026-11-22T12:00', '2026-11-23T07:30']) {
      const service = start(distributed.config, ['--now', now]);
      const { url } = await servedAt(service);
      await waitFor('a cycle done', async () => (await roundsDone(url)) >= 5, 30_000);
      if (now.endsWith('07:30'))
        await waitFor(
          'the weekly reports',
          async () => {
            try {
              return reportsOf(distributed.dir).length > 0;
            } catch {
              return false;
            }
          },
          30_000,
        );
      expect(await service.stop('SIGTERM')).toBe(0);
    }
    expect(reportsOf(embedded.dir)).toContain('late-entries-bo-2026-11-16--2026-11-22.html');
    expect(reportsOf(distributed.dir)).toEqual(reportsOf(embedded.dir));
  });
});
