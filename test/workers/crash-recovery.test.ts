import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticUid } from '../../bench/queue/synthetic-source.js';
import { UID_KEY_NAME } from '../../src/app/sync-calendar.js';
import { sourceRefUid } from '../../src/domain/referral-entry.js';
import { syncJobId } from '../../workers/jobs.js';
import { enqueueSyncCycle } from '../../workers/scheduler.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import {
  readRegister,
  startWorkerChild,
  syncedCount,
  syncQueue,
  type WorkerChild,
  waitFor,
  writeQueueConfig,
} from './queue-fixture.js';

/**
 * Real worker processes (dist/bench/queue/worker-process.js, synthetic calendars) on a real,
 * throwaway Redis: crashes, Redis restarts and shutdowns lose and duplicate nothing.
 */
const FAST = { jobLockMs: 2_000, stalledIntervalMs: 1_000, keyLockMs: 2_000, lockedRetryMs: 300 };
const EVENTS = 3;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(child: WorkerChild): WorkerChild {
  cleanups.push(async () => {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  });
  return child;
}

async function setUp(calendars: number, redisOptions: { appendOnly?: boolean } = {}) {
  const redis = await startRedisServer(redisOptions);
  cleanups.push(() => redis.dispose());
  const fixture = writeQueueConfig({ calendars });
  cleanups.push(() => fixture.dispose());
  const producer = syncQueue(redis.url);
  cleanups.push(() => producer.close());
  return { redis, fixture, producer };
}

function spec(redis: RedisServer, config: string, extra: Record<string, unknown> = {}) {
  return {
    config,
    redisUrl: redis.url,
    concurrency: 2,
    timings: FAST,
    source: { eventsPerCalendar: EVENTS, delayMs: 300 },
    ...extra,
  };
}

/** The uid key every worker hashed `sourceRef.uid` with: one, shared through Redis. */
async function uidKeyIn(redisUrl: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    return (await redis.get(`hanvisa:secret:${UID_KEY_NAME}`)) as string;
  } finally {
    redis.disconnect();
  }
}

/** Every calendar has exactly its EVENTS referrals, each once: none lost, none duplicated. */
async function expectCompleteRegister(
  dir: string,
  calendarIds: readonly string[],
  redisUrl: string,
): Promise<void> {
  const entries = readRegister(dir);
  const key = await uidKeyIn(redisUrl);
  expect(key).toEqual(expect.any(String));
  const expected = calendarIds.flatMap((id) =>
    Array.from({ length: EVENTS }, (_, index) => `${id} ${sourceRefUid(key, syntheticUid(id, index))}`),
  );
  const actual = entries.map((entry) => `${entry.sourceRef.calendar} ${entry.sourceRef.uid}`);
  expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
  expect(actual.sort()).toEqual(expected.sort());
}

describe('crash recovery (real processes, real Redis)', () => {
  it('two workers, 50 calendars, one SIGKILLed mid-cycle: every calendar synced, each referral exactly once', async () => {
    const { redis, fixture, producer } = await setUp(50);
    const first = track(await startWorkerChild(spec(redis, fixture.file)));
    const second = track(await startWorkerChild(spec(redis, fixture.file)));
    await enqueueSyncCycle(producer.queue, fixture.calendarIds, 3_600_000);
    await waitFor(
      'a few calendars synced',
      async () => ((await syncedCount(redis.url, fixture.calendarIds)) ?? 0) >= 8,
    );
    expect((await syncedCount(redis.url, fixture.calendarIds)) ?? 0).toBeLessThan(50);
    first.process.kill('SIGKILL');
    await first.exited;
    await waitFor('all 50 synced', async () => (await syncedCount(redis.url, fixture.calendarIds)) === 50);
    await expectCompleteRegister(fixture.dir, fixture.calendarIds, redis.url);
    expect(await producer.queue.getFailedCount()).toBe(0);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('Redis stopped and started again (AOF) mid-cycle: workers reconnect and finish; nothing lost or duplicated', async () => {
    const { redis, fixture, producer } = await setUp(30, { appendOnly: true });
    const workers = [
      track(await startWorkerChild(spec(redis, fixture.file))),
      track(await startWorkerChild(spec(redis, fixture.file))),
    ];
    await enqueueSyncCycle(producer.queue, fixture.calendarIds, 3_600_000);
    await waitFor(
      'a few calendars synced',
      async () => ((await syncedCount(redis.url, fixture.calendarIds)) ?? 0) >= 6,
    );
    expect((await syncedCount(redis.url, fixture.calendarIds)) ?? 0).toBeLessThan(30);
    await redis.stop();
    await sleep(1_000);
    await redis.start();
    await waitFor('all 30 synced', async () => (await syncedCount(redis.url, fixture.calendarIds)) === 30);
    await expectCompleteRegister(fixture.dir, fixture.calendarIds, redis.url);
    expect(await producer.queue.getFailedCount()).toBe(0);
    for (const worker of workers) worker.process.kill('SIGTERM');
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);
    for (const worker of workers) expect(worker.stderr()).toContain('Redis connection back');
  });

  it('SIGTERM during a job: the process finishes the job within the deadline and exits cleanly', async () => {
    const { redis, fixture, producer } = await setUp(2);
    const worker = track(
      await startWorkerChild(
        spec(redis, fixture.file, {
          concurrency: 1,
          source: { eventsPerCalendar: EVENTS, delayMs: 1_500 },
          timings: { ...FAST, shutdownDeadlineMs: 10_000 },
        }),
      ),
    );
    const slot = 3_600_000;
    await enqueueSyncCycle(producer.queue, fixture.calendarIds, slot);
    await waitFor('a job running', async () => (await producer.queue.getActiveCount()) === 1);
    const [active] = await producer.queue.getActive();
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.stdout()).toContain('"forced":false');
    expect(await (await producer.queue.getJob(active?.id ?? ''))?.getState()).toBe('completed');
    // The job it never started waits for the next worker.
    const next = track(await startWorkerChild(spec(redis, fixture.file)));
    await waitFor('both synced', async () => (await syncedCount(redis.url, fixture.calendarIds)) === 2);
    await expectCompleteRegister(fixture.dir, fixture.calendarIds, redis.url);
    next.process.kill('SIGTERM');
    await next.exited;
  });

  it('SIGTERM with a job longer than the deadline: the process exits at the deadline and the job is picked up again', async () => {
    const { redis, fixture, producer } = await setUp(1);
    const worker = track(
      await startWorkerChild(
        spec(redis, fixture.file, {
          concurrency: 1,
          source: { eventsPerCalendar: EVENTS, delayMs: 4_000 },
          timings: { ...FAST, shutdownDeadlineMs: 500 },
        }),
      ),
    );
    const slot = 3_600_000;
    await enqueueSyncCycle(producer.queue, fixture.calendarIds, slot);
    await waitFor('the job running', async () => (await producer.queue.getActiveCount()) === 1);
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(1);
    expect(worker.stdout()).toContain('"forced":true');
    const job = await producer.queue.getJob(syncJobId(fixture.calendarIds[0] as string, slot));
    expect(await job?.getState()).not.toBe('completed');
    const next = track(
      await startWorkerChild(spec(redis, fixture.file, { source: { eventsPerCalendar: EVENTS } })),
    );
    await waitFor(
      'picked up and synced',
      async () => (await syncedCount(redis.url, fixture.calendarIds)) === 1,
    );
    await waitFor('completed', async () => (await job?.getState()) === 'completed');
    await expectCompleteRegister(fixture.dir, fixture.calendarIds, redis.url);
    next.process.kill('SIGTERM');
    await next.exited;
  });
});
