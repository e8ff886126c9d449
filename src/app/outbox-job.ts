import { z } from 'zod';
import type { Instant } from '../domain/occurrence.js';
import type { JobKind, JobOutcome, JobQueue } from './jobs/job-kind.js';
import { deliverOutbox, type OutboxDeliveryDependencies } from './outbox-delivery.js';

export const DELIVER_OUTBOX = 'deliverOutbox';

const name = z.string().regex(/^[a-zA-Z][\w-]{0,39}$/, 'a mirror name');
const employee = z.string().regex(/^[\w.@-]{1,200}$/, 'an employee id');

export type DeliverOutboxData = { mirror: string; employee?: string | undefined };

export interface OutboxJobDependencies extends OutboxDeliveryDependencies {
  /** The runtime's queue once it runs (null: deliver in this job, e.g. `sync --once`). */
  readonly queue: () => JobQueue | null;
  /** A follow-up run is enqueued with a delay only up to this (the slot's fan-out finds the rest). */
  readonly maxDelayMs: number;
  /** Employees delivered at once when this job delivers them itself. */
  readonly concurrency: number;
  /** Told when a follow-up could not be enqueued (the next fan-out delivers it). */
  readonly onEnqueueError?: (error: unknown) => void;
}

/**
 * The deliverOutbox kind. Every slot runs one fan-out per mirror (`{mirror}`): it finds the
 * employees with due changes and enqueues one job per mirror and employee (`{mirror,
 * employee}`, keyed so, so one employee's changes are delivered by one worker at a time, in
 * order, across hosts). An employee's job delivers what is due and enqueues itself again for
 * the next change due soon (a retry, a meeting that starts). Without a queue (a one-off
 * command), the fan-out delivers itself. Retries live in the outbox, not in the queue: the job
 * never throws for a mirror that is down.
 */
export function deliverOutboxKind(deps: OutboxJobDependencies): JobKind<DeliverOutboxData> {
  const mirrors = [...deps.mirrors.keys()];
  /**
   * The follow-up run is asked for once this run is over (a timer, not from inside the job: a
   * queue deduplicates a request for a key whose job is still running). Lost with the process,
   * it is made good by the next slot's fan-out or the fan-out at start.
   */
  const followUp = (mirror: string, who: string, delayMs: number) => {
    const timer = setTimeout(
      () => {
        const queue = deps.queue();
        if (queue === null) return;
        queue.enqueue({ kind: DELIVER_OUTBOX, data: { mirror, employee: who } }).catch((error: unknown) => {
          deps.onEnqueueError?.(error);
        });
      },
      Math.max(delayMs, 25),
    );
    timer.unref();
  };
  // Per process and mirror, at most `concurrency` employees are delivered at once, whatever the
  // runtime: the embedded one runs enqueued jobs without a limit of its own.
  const slots = new Map<string, { free: number; waiting: (() => void)[] }>();
  const withSlot = async <T>(mirror: string, work: () => Promise<T>): Promise<T> => {
    let slot = slots.get(mirror);
    if (slot === undefined) {
      slot = { free: deps.concurrency, waiting: [] };
      slots.set(mirror, slot);
    }
    const held = slot;
    if (held.free > 0) held.free--;
    else await new Promise<void>((resolve) => held.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = held.waiting.shift();
      if (next !== undefined) next();
      else held.free++;
    }
  };
  const deliverOne = async (mirror: string, who: string, now: Instant) => {
    const result = await withSlot(mirror, () => deliverOutbox(deps, { mirror, employee: who }, now));
    if (deps.queue() !== null && result.nextDueAt !== null) {
      const delayMs = Math.max(0, result.nextDueAt - now);
      if (delayMs <= deps.maxDelayMs) followUp(mirror, who, delayMs);
    }
    return result;
  };
  return {
    name: DELIVER_OUTBOX,
    data: z.strictObject({ mirror: name, employee: employee.optional() }) as z.ZodType<DeliverOutboxData>,
    key: (data) => `${data.mirror}|${data.employee ?? '*'}`,
    retry: { attempts: 1, baseDelayMs: 1_000 },
    // Each mirror gets its own `concurrency` slots (withSlot), so one that is down and slow to
    // answer cannot take the slots of another.
    concurrency: deps.concurrency * Math.max(1, mirrors.length),
    everySlot: () => mirrors.map((mirror) => ({ mirror })),
    async handle(data, now): Promise<JobOutcome> {
      if (!deps.mirrors.has(data.mirror)) return { status: 'skipped' };
      if (data.employee !== undefined) {
        const result = await deliverOne(data.mirror, data.employee, now);
        return {
          status: 'delivered',
          counts: { delivered: result.delivered, failed: result.failed, dead: result.dead },
        };
      }
      const due = await deps.outbox.dueEmployees(data.mirror, now, 100_000);
      const queue = deps.queue();
      if (queue !== null) {
        for (const who of due)
          await queue.enqueue({ kind: DELIVER_OUTBOX, data: { mirror: data.mirror, employee: who } });
        return { status: 'fanned out', counts: { employees: due.length } };
      }
      let next = 0;
      const totals = { delivered: 0, failed: 0, dead: 0 };
      const worker = async () => {
        while (next < due.length) {
          const result = await deliverOutbox(
            deps,
            { mirror: data.mirror, employee: due[next++] as string },
            now,
          );
          totals.delivered += result.delivered;
          totals.failed += result.failed;
          totals.dead += result.dead;
        }
      };
      await Promise.all(Array.from({ length: Math.min(deps.concurrency, due.length) }, worker));
      return { status: 'delivered', counts: { employees: due.length, ...totals } };
    },
  };
}
