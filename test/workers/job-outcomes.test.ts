import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticCalendarSource } from '../../bench/queue/synthetic-source.js';
import { FolderReportArchive } from '../../src/adapters/mail/report-folder.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { createLogger } from '../../src/app/logger.js';
import { KEY_PREFIX, syncJobId } from '../../workers/jobs.js';
import { type DistributedRuntime, startDistributed } from '../../workers/runtime.js';
import { enqueueSyncCycle } from '../../workers/scheduler.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { logCapture, readRegister, syncedCount, waitFor, writeQueueConfig } from './queue-fixture.js';

/**
 * In-process workers on a real Redis, with a synthetic source standing in for Graph: how job
 * outcomes map onto the queue (429 → a rate-limit pause that uses no attempt; 404 → failed once,
 * not retried) and what reaches logs, job data and Redis (no subject, no address, no feed URL).
 */
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
});

const TIMINGS = {
  jobLockMs: 5_000,
  stalledIntervalMs: 5_000,
  keyLockMs: 5_000,
  lockedRetryMs: 200,
  shutdownDeadlineMs: 10_000,
};

async function flushRedis(): Promise<void> {
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
}

describe('job outcomes', () => {
  it('429 then 200: one rate-limit pause, no attempt used; 404: failed once, not retried; the others synced', async () => {
    await flushRedis();
    const fixture = writeQueueConfig({ calendars: 6, graph: [2, 3] });
    const config = loadConfig(fixture.file, readEnvironment({}));
    const logs = logCapture();
    const source = new SyntheticCalendarSource({
      eventsPerCalendar: 2,
      behaviours: { 'e002/graph-1': ['throttle:300'], 'e003/graph-1': ['notFound'] },
    });
    let runtime: DistributedRuntime | null = null;
    try {
      runtime = await startDistributed({
        config,
        redisUrl: redis.url,
        logger: createLogger('debug', logs.stream),
        sourceFor: () => source,
        scheduler: false,
        serve: null,
        concurrency: 2,
        timings: TIMINGS,
      });
      const slot = 1_000_000;
      await enqueueSyncCycle(runtime.queues.syncCalendar as Queue, fixture.calendarIds, slot);
      const others = fixture.calendarIds.filter((id) => id !== 'e003/graph-1');
      await waitFor(
        'five calendars synced',
        async () => (await syncedCount(redis.url, others)) === others.length,
      );
      const failed = await (runtime.queues.syncCalendar as Queue).getJob(syncJobId('e003/graph-1', slot));
      await waitFor('the 404 job failed', async () => (await failed?.getState()) === 'failed');

      const throttled = await (runtime.queues.syncCalendar as Queue).getJob(syncJobId('e002/graph-1', slot));
      const ordinary = await (runtime.queues.syncCalendar as Queue).getJob(syncJobId('e001/ics-1', slot));
      expect(await throttled?.getState()).toBe('completed');
      expect(source.fetches.get('e002/graph-1')).toBe(2);
      // Started twice, but only one attempt counted, as for a job that never met a 429.
      expect(throttled?.attemptsStarted).toBe(2);
      expect(throttled?.attemptsMade).toBe(1);
      expect(ordinary?.attemptsMade).toBe(1);
      expect(logs.text().match(/throttled: pausing the queue/g)).toHaveLength(1);
      expect(await runtime.metrics.graphThrottled.get()).toMatchObject({ values: [{ value: 1 }] });

      const notFound = await (runtime.queues.syncCalendar as Queue).getJob(syncJobId('e003/graph-1', slot));
      expect(source.fetches.get('e003/graph-1')).toBe(1);
      expect(notFound?.attemptsMade).toBe(1);
      expect(notFound?.failedReason).toMatch(/^calendar e003\/graph-1: mailbox not found/);
      expect(readRegister(fixture.dir).length).toBe(5 * 2);
    } finally {
      await runtime?.stop();
      fixture.dispose();
    }
  });

  it('keeps subjects, e-mail addresses and feed URLs out of logs, job data, Redis and the register', async () => {
    await flushRedis();
    const feedUrl = 'https://calendar.example.net/owa/calendar/feed-token-7f3a/calendar.ics';
    const mailbox = (index: number) => `hemlig.person${index}@example.org`;
    const subject = 'MÖT: Lönesamtal med Kalle om uppsägning';
    const fixture = writeQueueConfig({ calendars: 4, graph: [2, 3], feedUrl, mailbox });
    const config = loadConfig(fixture.file, readEnvironment({}));
    const logs = logCapture();
    const source = new SyntheticCalendarSource({
      eventsPerCalendar: 1,
      privateSubject: subject,
      behaviours: {
        'e001/ics-1': ['leakyError'],
        'e002/graph-1': ['throttle:100'],
        'e003/graph-1': ['leakyError'],
      },
    });
    let runtime: DistributedRuntime | null = null;
    try {
      runtime = await startDistributed({
        config,
        redisUrl: redis.url,
        logger: createLogger('debug', logs.stream),
        sourceFor: () => source,
        scheduler: false,
        serve: null,
        timings: TIMINGS,
      });
      await enqueueSyncCycle(runtime.queues.syncCalendar as Queue, fixture.calendarIds, 2_000_000);
      // The leaky failures are "unknown" errors: permanent, so failed at once; the rest synced.
      await waitFor(
        'the round to settle',
        async () => (await syncedCount(redis.url, ['e002/graph-1', 'e004/ics-1'])) === 2,
      );
      await waitFor(
        'two failures',
        async () => (await (runtime?.queues.syncCalendar as Queue | undefined)?.getFailedCount()) === 2,
      );
      const register = openDatabase(path.join(fixture.dir, 'register.db'));
      const rows = JSON.stringify(register.prepare('SELECT * FROM referral_entry').all());
      register.close();
      const client = new Redis(redis.url);
      const dump: string[] = [];
      for (const key of await client.keys('*')) {
        dump.push(key);
        const type = await client.type(key);
        if (type === 'string') dump.push(String(await client.get(key)));
        if (type === 'hash') dump.push(JSON.stringify(await client.hgetall(key)));
        if (type === 'list') dump.push(JSON.stringify(await client.lrange(key, 0, -1)));
        if (type === 'set') dump.push(JSON.stringify(await client.smembers(key)));
        if (type === 'zset') dump.push(JSON.stringify(await client.zrange(key, 0, -1)));
        if (type === 'stream') dump.push(JSON.stringify(await client.xrange(key, '-', '+')));
      }
      client.disconnect();
      const redisText = dump.join('\n');
      expect(redisText).toContain(`${KEY_PREFIX}:sync`);
      expect(redisText).toContain('e001/ics-1');
      expect(rows).toContain('Möte');
      expect(logs.text()).toContain('e001/ics-1');
      for (const secret of [
        'Lönesamtal',
        'uppsägning',
        'hemlig.person',
        'example.org',
        'feed-token-7f3a',
        'calendar.example.net',
      ]) {
        expect(logs.text()).not.toContain(secret);
        expect(redisText).not.toContain(secret);
        expect(rows).not.toContain(secret);
      }
    } finally {
      await runtime?.stop();
      fixture.dispose();
    }
  });
});

describe('report jobs', () => {
  it("sendDueReports in a worker builds and saves the due slot's reports (the same period as embedded)", async () => {
    await flushRedis();
    const fixture = writeQueueConfig({ calendars: 2 });
    const config = loadConfig(fixture.file, readEnvironment({}));
    // The previous Monday's slot was sent; Monday 2026-11-23 07:00 local is due.
    await new FolderReportArchive(config.reports.folder, 'reports.folder').recordScheduledRun(
      Date.UTC(2026, 10, 16, 6, 0),
    );
    let runtime: DistributedRuntime | null = null;
    try {
      runtime = await startDistributed({
        config,
        redisUrl: redis.url,
        clock: () => Date.UTC(2026, 10, 23, 6, 30),
        logger: createLogger('warn', logCapture().stream),
        sourceFor: () => new SyntheticCalendarSource({ eventsPerCalendar: 1 }),
        scheduler: false,
        serve: null,
        timings: TIMINGS,
      });
      const job = await (runtime.queues.sendDueReports as Queue).add('sendDueReports', {});
      await waitFor('the report job completed', async () => (await job.getState()) === 'completed');
      expect(
        (await (runtime.queues.sendDueReports as Queue).getJob(job.id as string))?.returnvalue,
      ).toMatchObject({
        status: 'sent',
      });
      expect(readdirSync(path.join(fixture.dir, 'reports'))).toContain(
        'late-entries-boss-2026-11-16--2026-11-22.html',
      );
    } finally {
      await runtime?.stop();
      fixture.dispose();
    }
  });
});
