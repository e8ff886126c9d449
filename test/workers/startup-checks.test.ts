import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticCalendarSource } from '../../bench/queue/synthetic-source.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { createLogger } from '../../src/app/logger.js';
import { startDistributed } from '../../workers/runtime.js';
import { enqueueSyncCycle } from '../../workers/scheduler.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { ROOT } from '../helpers/sample-config.js';
import { logCapture, waitFor, writeQueueConfig } from './queue-fixture.js';

const quiet = () => createLogger('silent', logCapture().stream);

describe('startup checks', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('refuses to start on a Redis that evicts keys (allkeys-lru), saying how to fix it', async () => {
    const lru = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    const fixture = writeQueueConfig({ calendars: 1 });
    try {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'bin/hanvisa.js'), 'start', '--config', fixture.file],
        {
          env: { ...process.env, REDIS_URL: lru.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toContain('maxmemory-policy is "allkeys-lru"');
      expect(stderr).toContain('CONFIG SET maxmemory-policy noeviction');
    } finally {
      fixture.dispose();
      await lru.dispose();
    }
  });

  it('refuses an embedded register on a second host, and allows a second process on the same host', async () => {
    const fixture = writeQueueConfig({ calendars: 1 });
    const config = loadConfig(fixture.file, readEnvironment({}));
    const options = {
      config,
      redisUrl: redis.url,
      logger: quiet(),
      scheduler: false,
      workers: false,
      serve: null,
    };
    const first = await startDistributed({ ...options, hostId: 'host-a' });
    try {
      const sameHost = await startDistributed({ ...options, hostId: 'host-a' });
      await sameHost.stop();
      await expect(startDistributed({ ...options, hostId: 'host-b' })).rejects.toThrow(
        /sink.kind embedded: the register is a SQLite file on host "host-a".*kind: rest/,
      );
    } finally {
      await first.stop();
      fixture.dispose();
      const client = new Redis(redis.url);
      await client.flushall();
      client.disconnect();
    }
  });

  it('fails liveness when jobs wait but none completes for workers.stalledAfter', async () => {
    const fixture = writeQueueConfig({ calendars: 3 });
    const config = loadConfig(fixture.file, readEnvironment({}));
    let now = Date.UTC(2026, 10, 30, 8, 0);
    const runtime = await startDistributed({
      config,
      redisUrl: redis.url,
      logger: quiet(),
      clock: () => now,
      sourceFor: () => new SyntheticCalendarSource({ eventsPerCalendar: 1, delayMs: 3_000 }),
      concurrency: 1,
      scheduler: false,
      serve: null,
      timings: { stalledAfterMs: 60_000, shutdownDeadlineMs: 500 },
    });
    try {
      expect((await runtime.liveness()).ok).toBe(true);
      await enqueueSyncCycle(runtime.queues.syncCalendar as Queue, fixture.calendarIds, 0);
      await waitFor(
        'one job running',
        async () => (await (runtime.queues.syncCalendar as Queue).getActiveCount()) === 1,
      );
      expect((await runtime.liveness()).ok).toBe(true);
      now += 61_000;
      const stuck = await runtime.liveness();
      expect(stuck.ok).toBe(false);
      expect(stuck.checks.workers).toMatch(/2 jobs wait but none completed here for 61 s/);
    } finally {
      await runtime.stop();
      await sleep(10);
      fixture.dispose();
    }
  });
});
