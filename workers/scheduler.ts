import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobKind, JobTable } from '../src/app/jobs/job-kind.js';
import { SYNC_CALENDAR, SYNC_CALENDAR_RETRY } from '../src/app/jobs/job-table.js';
import { describeError } from '../src/app/privacy.js';
import type { Instant } from '../src/domain/occurrence.js';
import { deduplicationId, jobOptionsOf, KEY_PREFIX, slotJobId } from './jobs.js';

const BULK = 1000;

/** The schedule slot an instant falls in: the start of its `schedule.every` interval. */
export function slotOf(instant: Instant, everyMs: number): number {
  return Math.floor(instant / everyMs) * everyMs;
}

/**
 * Adds one kind's jobs for a slot with `addBulk`, in chunks. Ids are deterministic per kind,
 * key and slot, and each key has at most one waiting job (deduplication), so enqueueing a slot
 * again adds nothing. Returns how many it offered.
 */
export async function enqueueKind(
  queue: Queue,
  kind: Pick<JobKind<unknown>, 'name' | 'key' | 'retry'>,
  items: readonly unknown[],
  slot: number,
): Promise<number> {
  const options = jobOptionsOf(kind);
  for (let index = 0; index < items.length; index += BULK) {
    await queue.addBulk(
      items.slice(index, index + BULK).map((data) => {
        const key = kind.key(data);
        return {
          name: kind.name,
          data,
          opts: {
            ...options,
            jobId: slotJobId(kind.name, key, slot),
            deduplication: { id: deduplicationId(kind.name, key) },
          },
        };
      }),
    );
  }
  return items.length;
}

/** One slot's jobs of every kind in the table (each kind's `everySlot`). */
export async function enqueueSlot(
  queues: Readonly<Record<string, Queue>>,
  table: JobTable,
  slot: number,
): Promise<number> {
  let total = 0;
  for (const kind of table.values() as IterableIterator<JobKind<unknown>>) {
    const items = kind.everySlot?.() ?? [];
    const queue = queues[kind.name];
    if (items.length > 0 && queue !== undefined) total += await enqueueKind(queue, kind, items, slot);
  }
  return total;
}

/**
 * The schedule of the distributed runtime, run by every process (no BullMQ job scheduler that a
 * Redis which lost its data would forget): at each `schedule.every` boundary, the process that
 * claims the slot in Redis (SET NX, expiring after two intervals) enqueues the slot's jobs; the
 * others see the claim. Slots come from the clock and the schedule, never from job fields.
 * A Redis restarted empty is repopulated at the next boundary by whichever process claims it.
 */
export class SlotTicker {
  readonly #redis: Redis;
  readonly #everyMs: number;
  readonly #clock: () => Instant;
  readonly #logger: Logger;
  readonly #enqueue: (slot: number) => Promise<number>;
  readonly #hostId: string;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #ticking: Promise<void> | null = null;
  /** The last slot this process saw enqueued (by itself or another process). */
  lastSlotSeenAt: Instant;

  constructor(options: {
    redis: Redis;
    everyMs: number;
    clock: () => Instant;
    logger: Logger;
    hostId: string;
    enqueue: (slot: number) => Promise<number>;
  }) {
    this.#redis = options.redis;
    this.#everyMs = options.everyMs;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#hostId = options.hostId;
    this.#enqueue = options.enqueue;
    this.lastSlotSeenAt = options.clock();
  }

  /** Ticks now (the current slot), then at every boundary until `stop`. */
  start(): void {
    this.#run();
  }

  #run(): void {
    if (this.#stopped) return;
    this.#ticking = this.tick().finally(() => {
      this.#ticking = null;
    });
    const now = this.#clock();
    const next = slotOf(now, this.#everyMs) + this.#everyMs;
    this.#timer = setTimeout(() => this.#run(), Math.max(10, next - now));
  }

  /** One tick: claim the current slot and enqueue it, or see that another process did. */
  async tick(): Promise<void> {
    const slot = slotOf(this.#clock(), this.#everyMs);
    try {
      const claimed = await this.#redis.set(
        `${KEY_PREFIX}:slot:${slot}`,
        this.#hostId,
        'PX',
        2 * this.#everyMs,
        'NX',
      );
      if (claimed === 'OK') {
        const jobs = await this.#enqueue(slot);
        this.#logger.info({ slot: new Date(slot).toISOString(), jobs }, 'sync cycle enqueued');
      }
      this.lastSlotSeenAt = Math.max(this.lastSlotSeenAt, slot);
    } catch (error) {
      this.#logger.warn(
        { slot: new Date(slot).toISOString(), error: describeError(error) },
        'could not enqueue the slot; the next tick tries again',
      );
    }
  }

  /** Stops ticking and waits for a running tick; leaves no timer behind. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#ticking;
  }
}

/** The syncCalendar jobs of one slot for the given calendars (tests and benchmarks enqueue cycles themselves). */
export async function enqueueSyncCycle(
  queue: Queue,
  calendarIds: readonly string[],
  slot: number,
): Promise<number> {
  const kind = {
    name: SYNC_CALENDAR,
    key: (data: unknown) => (data as { calendarId: string }).calendarId,
    retry: SYNC_CALENDAR_RETRY,
  };
  return enqueueKind(
    queue,
    kind,
    calendarIds.map((calendarId) => ({ calendarId })),
    slot,
  );
}
