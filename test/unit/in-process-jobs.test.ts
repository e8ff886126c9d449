import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InProcessJobs } from '../../src/app/jobs/in-process-jobs.js';
import type { JobKind, JobTable } from '../../src/app/jobs/job-kind.js';
import { createLogger } from '../../src/app/logger.js';

function table(handle: (data: { id: string }) => Promise<void>): JobTable {
  const kind: JobKind<{ id: string }> = {
    name: 'work',
    data: z.strictObject({ id: z.string() }),
    key: (data) => data.id,
    retry: { attempts: 1, baseDelayMs: 1 },
    async handle(data) {
      await handle(data);
      return { status: 'done' };
    },
  };
  return new Map([[kind.name, kind as JobKind<never>]]);
}

const logger = createLogger('silent');

describe('InProcessJobs (the embedded runtime running the job table)', () => {
  it('runs one job per key at a time; requests during a run coalesce into one more run', async () => {
    let running = 0;
    let most = 0;
    const runs: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const jobs = new InProcessJobs(
      table(async ({ id }) => {
        running++;
        most = Math.max(most, running);
        runs.push(id);
        if (runs.length === 1) await gate;
        running--;
      }),
      Date.now,
      logger,
    );
    await jobs.enqueue({ kind: 'work', data: { id: 'anna' } });
    await new Promise((resolve) => setImmediate(resolve));
    for (let index = 0; index < 50; index++) await jobs.enqueue({ kind: 'work', data: { id: 'anna' } });
    await jobs.enqueue({ kind: 'work', data: { id: 'bo' } });
    release();
    await jobs.drain();
    expect(runs.filter((id) => id === 'anna')).toHaveLength(2);
    expect(runs.filter((id) => id === 'bo')).toHaveLength(1);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('refuses an unknown kind or invalid data at enqueue; a failing job is reported, not thrown', async () => {
    const jobs = new InProcessJobs(
      table(async () => {
        throw new Error('boom');
      }),
      Date.now,
      logger,
    );
    await expect(jobs.enqueue({ kind: 'nope', data: {} })).rejects.toThrow(/unknown kind/);
    await expect(jobs.enqueue({ kind: 'work', data: { id: 1 } })).rejects.toThrow(/invalid data/);
    const result = await jobs.run({ kind: 'work', data: { id: 'x' } });
    expect(result.ok).toBe(false);
  });
});
