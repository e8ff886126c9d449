import { isTransient } from '../domain/errors.js';
import { retryDelayMs } from '../domain/mirror-change.js';
import type { Instant } from '../domain/occurrence.js';
import type { Mirror, MirrorChange } from './ports/mirror.js';
import type { OutboxStore } from './ports/outbox-store.js';
import { describeError } from './privacy.js';

/** How deliveries are retried and when they are given up (`mirrors[].retry`, resolved to ms). */
export interface DeliveryPolicy {
  /** A change not delivered this long after it happened is parked as dead. */
  readonly deadAfterMs: number;
  /** First retry pause; doubled per attempt with jitter, at least the mirror's Retry-After. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Changes delivered per job run before the job yields (the rest follow in the next run). */
  readonly batch: number;
}

/** What the delivery counts, per mirror (the metrics implement it). */
export interface DeliveryObserver {
  delivered(mirror: string, change: MirrorChange, now: Instant): void;
  failed(mirror: string, change: MirrorChange, error: string): void;
  dead(mirror: string, change: MirrorChange, error: string): void;
}

export interface OutboxDeliveryDependencies {
  readonly outbox: OutboxStore;
  readonly mirrors: ReadonlyMap<string, Mirror>;
  readonly policy: (mirror: string) => DeliveryPolicy;
  readonly observer?: DeliveryObserver;
  /** Jitter source (tests pass a constant). */
  readonly random?: () => number;
  /** The clock between deliveries of one run (a run delivers several changes). */
  readonly clock?: () => Instant;
}

export interface DeliveryRunResult {
  readonly delivered: number;
  readonly failed: number;
  readonly dead: number;
  /** When this employee's next change is due (schedule the next run then), or null. */
  readonly nextDueAt: Instant | null;
}

/**
 * Delivers one employee's due changes to one mirror, strictly in order: the head change first,
 * and nothing after it while it fails. A delivered change is marked so; a transient failure is
 * retried after an exponential backoff with jitter that honours the mirror's Retry-After; a
 * permanent failure, or a change still undelivered `deadAfterMs` after it happened, is parked
 * as dead (kept, counted, reported) and the employee's next change goes on. A change outside
 * the mirror's hours (`notBefore`) waits without counting as a failure. Other employees and
 * other mirrors are separate runs, so one that is down blocks only itself.
 */
export async function deliverOutbox(
  deps: OutboxDeliveryDependencies,
  target: { readonly mirror: string; readonly employee: string },
  now: Instant,
): Promise<DeliveryRunResult> {
  const mirror = deps.mirrors.get(target.mirror);
  const { outbox } = deps;
  let delivered = 0;
  let failed = 0;
  let dead = 0;
  if (mirror === undefined) return { delivered, failed, dead, nextDueAt: null };
  const policy = deps.policy(mirror.name);
  const clock = deps.clock ?? (() => now);
  let at = now;
  for (let index = 0; index < policy.batch; index++) {
    const change = await outbox.head(mirror.name, target.employee, at);
    if (change === null) break;
    const notBefore = mirror.notBefore?.(change, at) ?? null;
    if (notBefore !== null && notBefore > at) {
      await outbox.markFailed(change.seq, { kind: 'defer', until: notBefore }, at);
      break;
    }
    try {
      await mirror.deliver(change, at);
      at = Math.max(at, clock());
      await outbox.markDelivered(change.seq, at);
      deps.observer?.delivered(mirror.name, change, at);
      delivered++;
    } catch (error) {
      at = Math.max(at, clock());
      const message = describeError(error);
      const tooOld = at - change.occurredAt >= policy.deadAfterMs;
      if (!isTransient(error) || tooOld) {
        const reason = isTransient(error)
          ? `${message} (not delivered within ${Math.round(policy.deadAfterMs / 60_000)} min; parked)`
          : message;
        await outbox.markFailed(change.seq, { kind: 'dead', error: reason }, at);
        deps.observer?.dead(mirror.name, change, reason);
        dead++;
        continue;
      }
      const asked = (error as { retryAfterMs?: number | null }).retryAfterMs ?? null;
      const delay = retryDelayMs(change.attempts + 1, {
        baseMs: policy.baseDelayMs,
        maxMs: policy.maxDelayMs,
        retryAfterMs: asked,
        random: (deps.random ?? Math.random)(),
      });
      await outbox.markFailed(change.seq, { kind: 'retry', nextAttemptAt: at + delay, error: message }, at);
      deps.observer?.failed(mirror.name, change, message);
      failed++;
      break;
    }
  }
  return { delivered, failed, dead, nextDueAt: await outbox.nextDueAt(mirror.name, target.employee) };
}
