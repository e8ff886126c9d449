import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SqliteOutboxStore } from '../../../src/adapters/mirrors/sqlite-outbox-store.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { InProcessJobs } from '../../../src/app/jobs/in-process-jobs.js';
import type { JobKind } from '../../../src/app/jobs/job-kind.js';
import { HanvisaMetrics } from '../../../src/app/metrics.js';
import { deliverOutboxKind } from '../../../src/app/outbox-job.js';
import { OutboxMetrics } from '../../../src/app/outbox-metrics.js';
import type { Mirror, MirrorChange } from '../../../src/app/ports/mirror.js';
import { TransientError } from '../../../src/domain/errors.js';
import { entry, HOUR } from './mirror-test-kit.js';

/** A mirror that takes a little while and counts how many deliveries overlap. */
class SlowMirror implements Mirror {
  readonly name = 'slow';
  readonly kind = 'test';
  readonly receives = 'entries' as const;
  inFlight = 0;
  maxInFlight = 0;
  readonly delivered: MirrorChange[] = [];
  failOnce = new Set<string>();

  async deliver(change: MirrorChange): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight--;
    if (this.failOnce.delete(change.employee)) throw new TransientError('busy', { retryAfterMs: 30 });
    this.delivered.push(change);
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 500 && !condition(); round++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the deliverOutbox job kind', () => {
  it('fans out one job per employee, delivers at most `concurrency` at once per process, and follows up a retry', async () => {
    const db = openDatabase(':memory:');
    const outbox = new SqliteOutboxStore(db, { entryMirrors: ['slow'] });
    const sink = new SqliteReferralSink(db, { outbox });
    const mirror = new SlowMirror();
    const employees = Array.from({ length: 40 }, (_, index) => `e${index}`);
    for (const employee of employees) sink.upsertSync(entry(employee, 'm', Date.now() + HOUR));
    mirror.failOnce.add('e7');
    let jobs: InProcessJobs | null = null;
    const kind = deliverOutboxKind({
      outbox,
      mirrors: new Map([['slow', mirror]]),
      policy: () => ({ deadAfterMs: HOUR, baseDelayMs: 10, maxDelayMs: 100, batch: 10 }),
      queue: () => jobs,
      maxDelayMs: 60_000,
      concurrency: 4,
    });
    jobs = new InProcessJobs(
      new Map([[kind.name, kind as JobKind<never>]]),
      Date.now,
      pino({ level: 'silent' }),
    );
    const outcome = await jobs.run({ kind: 'deliverOutbox', data: { mirror: 'slow' } });
    expect(outcome).toMatchObject({ ok: true, outcome: { status: 'fanned out', counts: { employees: 40 } } });
    await jobs.drain();
    await until(() => mirror.delivered.length === 40);
    await jobs.drain();
    expect(new Set(mirror.delivered.map((change) => change.employee))).toEqual(new Set(employees));
    expect(mirror.maxInFlight).toBeLessThanOrEqual(4);
    expect((await outbox.stats('slow', Date.now())).pending).toBe(0);
    db.close();
  });

  it('counts per mirror: pending, oldest pending age, delivered, failed, dead', async () => {
    const db = openDatabase(':memory:');
    const outbox = new SqliteOutboxStore(db, { entryMirrors: ['slow'] });
    const sink = new SqliteReferralSink(db, { outbox, clock: () => 1_000_000 });
    const metrics = new HanvisaMetrics();
    const observer = new OutboxMetrics(metrics.registry, outbox, ['slow'], () => 1_060_000);
    sink.upsertSync(entry('anna', 'm', 1_000_000 + HOUR));
    observer.delivered('slow');
    observer.failed('slow');
    observer.dead('slow');
    const text = await metrics.registry.metrics();
    expect(text).toContain('hanvisa_mirror_pending{mirror="slow"} 1');
    expect(text).toContain('hanvisa_mirror_oldest_pending_seconds{mirror="slow"} 60');
    expect(text).toContain('hanvisa_mirror_delivered_total{mirror="slow"} 1');
    expect(text).toContain('hanvisa_mirror_failed_total{mirror="slow"} 1');
    expect(text).toContain('hanvisa_mirror_dead_total{mirror="slow"} 1');
    expect(text).toContain('hanvisa_mirror_dead{mirror="slow"} 0');
    db.close();
  });
});
