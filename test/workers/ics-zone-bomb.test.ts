import path from 'node:path';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticCalendarSource } from '../../bench/queue/synthetic-source.js';
import { createIcsSource } from '../../src/adapters/ical/ics-source.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { createLogger } from '../../src/app/logger.js';
import type { CalendarSource } from '../../src/app/ports/calendar-source.js';
import { syncJobId } from '../../workers/jobs.js';
import { type DistributedRuntime, startDistributed } from '../../workers/runtime.js';
import { enqueueSyncCycle } from '../../workers/scheduler.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { ROOT } from '../helpers/sample-config.js';
import { logCapture, syncedCount, waitFor, writeQueueConfig } from './queue-fixture.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
});

describe('the zone bomb in the distributed runtime', () => {
  it('fails its job once (unrecoverable, never handed to another worker); the others sync', async () => {
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const fixture = writeQueueConfig({ calendars: 4 });
    const config = loadConfig(fixture.file, readEnvironment({}));
    const synthetic = new SyntheticCalendarSource({ eventsPerCalendar: 1 });
    const ics = createIcsSource({ timeZone: config.timeZone, ics: config.ics });
    const bomb: CalendarSource = {
      fetch: (calendar, window, cursor) =>
        ics.fetch(
          { ...calendar, address: path.join(ROOT, 'fixtures/ical/conformance/zone-bomb.ics') },
          window,
          cursor,
        ),
    };
    let runtime: DistributedRuntime | null = null;
    try {
      runtime = await startDistributed({
        config,
        redisUrl: redis.url,
        logger: createLogger('debug', logCapture().stream),
        sourceFor: (calendar) => (calendar.id === 'e002/ics-1' ? bomb : synthetic),
        scheduler: false,
        serve: null,
        concurrency: 2,
        timings: {
          jobLockMs: 5_000,
          stalledIntervalMs: 5_000,
          keyLockMs: 5_000,
          lockedRetryMs: 200,
          shutdownDeadlineMs: 10_000,
        },
      });
      const slot = 3_000_000;
      const queue = runtime.queues.syncCalendar as Queue;
      await enqueueSyncCycle(queue, fixture.calendarIds, slot);
      const others = fixture.calendarIds.filter((id) => id !== 'e002/ics-1');
      await waitFor('three calendars synced', async () => (await syncedCount(redis.url, others)) === 3);
      const job = await queue.getJob(syncJobId('e002/ics-1', slot));
      await waitFor('the bomb job failed', async () => (await job?.getState()) === 'failed');
      const failed = await queue.getJob(syncJobId('e002/ics-1', slot));
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.stalledCounter ?? 0).toBe(0);
      expect(failed?.failedReason).toMatch(/^calendar e002\/ics-1: .*ics\.maxZoneTransitions\b/);
    } finally {
      await runtime?.stop();
      fixture.dispose();
    }
  });
});
