import type { Logger } from 'pino';
import type { Instant } from '../domain/occurrence.js';
import { nextOfficeInstant } from '../domain/office-hours.js';
import { LATE_ENTRY } from '../domain/rules/late-entry.js';
import { UNKNOWN_CODE } from '../domain/rules/unknown-code.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { RetrySettings } from './config/mirror-config.js';
import type { JobKind, JobQueue } from './jobs/job-kind.js';
import type { HanvisaMetrics } from './metrics.js';
import type { DeliveryPolicy } from './outbox-delivery.js';
import { deliverOutboxKind } from './outbox-job.js';
import { OutboxMetrics } from './outbox-metrics.js';
import type { Mirror, MirrorReport } from './ports/mirror.js';
import type { OutboxStore } from './ports/outbox-store.js';
import type { Finding, StateStore } from './ports/state-store.js';

/** The mirrors wired from config: the outbox, the mirrors, their job kind and metrics. */
export interface Mirroring {
  readonly outbox: OutboxStore | null;
  readonly mirrors: ReadonlyMap<string, Mirror>;
  readonly kind: JobKind<never> | null;
  /** Hands the runtime's queue to the job kind once the runtime runs. */
  setQueue(queue: JobQueue): void;
  /** Asks for delivery of an employee's changes now (after a sync changed something). */
  kick(employee: string): void;
  /** The state store that also records unknown-code notices for the employee. */
  withNotices(state: StateStore): StateStore;
  prune(now: Instant): Promise<number>;
  report(now: Instant): Promise<MirrorReport[]>;
}

/** How a configured mirror retries, in the delivery's terms. */
export function deliveryPolicy(retry: RetrySettings): DeliveryPolicy {
  return { deadAfterMs: retry.deadAfterMs, baseDelayMs: retry.firstMs, maxDelayMs: retry.maxMs, batch: 100 };
}

/** An employee's Entra user for Teams and mail: the first Graph mailbox, else the directory email. */
export function userResolver(config: HanvisaConfig): (employee: string) => string | null {
  const mailbox = new Map<string, string>();
  for (const calendar of config.calendars)
    if (calendar.kind === 'graph' && !mailbox.has(calendar.employee))
      mailbox.set(calendar.employee, calendar.address);
  return (employee) => mailbox.get(employee) ?? config.employees.get(employee)?.email ?? null;
}

/** What the composition root built for the mirrors: the outbox and the mirrors with their policies. */
export interface MirrorParts {
  readonly outbox: OutboxStore | null;
  readonly mirrors: ReadonlyMap<string, Mirror>;
  readonly policies: ReadonlyMap<string, DeliveryPolicy>;
}

/**
 * The mirrors' use cases wired (issue 12): the deliverOutbox job kind, per-mirror metrics, the
 * notices recorded beside the findings, the kick after a sync, retention and IT's report. The
 * outbox lives in the embedded register's database and is written in the register's own
 * transactions (the composition root builds it and the mirrors).
 */
export function createMirroring(
  config: HanvisaConfig,
  parts: MirrorParts & {
    readonly metrics: HanvisaMetrics;
    readonly logger: Logger;
    readonly clock?: () => Instant;
  },
): Mirroring {
  const clock = parts.clock ?? Date.now;
  const { outbox, mirrors, policies } = parts;
  let queue: JobQueue | null = null;
  const names = [...mirrors.keys()];
  const metrics =
    outbox === null || names.length === 0
      ? null
      : new OutboxMetrics(parts.metrics.registry, outbox, names, clock);
  const logger = parts.logger;
  const kind =
    outbox === null || names.length === 0
      ? null
      : (deliverOutboxKind({
          outbox,
          mirrors,
          policy: (name) => policies.get(name) as DeliveryPolicy,
          observer: {
            delivered: (mirror, change, now) => metrics?.delivered(mirror, change, now),
            failed: (mirror, change, error) => {
              metrics?.failed(mirror);
              logger.debug(
                { mirror, employee: change.employee, change: change.change, error },
                'mirror delivery failed; retried',
              );
            },
            dead: (mirror, change, error) => {
              metrics?.dead(mirror);
              logger.warn(
                {
                  mirror,
                  employee: change.employee,
                  entry: change.ref,
                  change: change.change,
                  version: change.version,
                  error,
                },
                'mirror change parked as dead (GET /mirrors lists it)',
              );
            },
          },
          queue: () => queue,
          onEnqueueError: (error) =>
            logger.warn({ error: String(error) }, 'could not enqueue a delivery; the next slot delivers it'),
          maxDelayMs: config.scheduleEveryMs,
          concurrency: 16,
        }) as JobKind<never>);
  const recordNotices = async (findings: readonly Finding[]) => {
    if (outbox === null || !mirrors.has('notify')) return;
    const wanted = (finding: Finding) =>
      (config.notify.unknownCode &&
        finding.rule === UNKNOWN_CODE &&
        finding.occurrenceStart >= finding.foundAt) ||
      (config.notify.lateEntry &&
        finding.rule === LATE_ENTRY &&
        finding.kind === 'late' &&
        finding.occurrenceStart >= finding.foundAt - 86_400_000);
    const notices = findings.filter(wanted).map((finding) => ({
      change: finding.rule === LATE_ENTRY ? ('lateEntry' as const) : ('unknownCode' as const),
      employee: finding.employee,
      ref: finding.key,
      notice: {
        calendar: finding.calendar,
        occurrenceStart: finding.occurrenceStart,
        suggestion: typeof finding.details.suggestion === 'string' ? finding.details.suggestion : null,
        deadline: typeof finding.details.deadline === 'number' ? finding.details.deadline : null,
      },
      notBefore: nextOfficeInstant(finding.foundAt, config.timeZone, config.notify.officeHours),
    }));
    if (notices.length > 0) await outbox.recordNotices('notify', notices, findings[0]?.foundAt ?? clock());
  };
  return {
    outbox,
    mirrors,
    kind,
    setQueue(next) {
      queue = next;
      // A fan-out at start: what a stopped or killed process still owed is delivered now, not a slot later.
      if (kind !== null)
        for (const mirror of names)
          void next.enqueue({ kind: kind.name, data: { mirror } }).catch((error: unknown) => {
            logger.warn(
              { mirror, error: String(error) },
              'could not enqueue the delivery fan-out; the next slot runs it',
            );
          });
    },
    kick(employee) {
      if (queue === null || kind === null) return;
      for (const mirror of names)
        void queue.enqueue({ kind: kind.name, data: { mirror, employee } }).catch((error: unknown) => {
          logger.warn(
            { mirror, error: String(error) },
            'could not enqueue a delivery; the next slot delivers it',
          );
        });
    },
    withNotices(state) {
      if (!mirrors.has('notify')) return state;
      return new Proxy(state, {
        get(target, property) {
          if (property === 'addFindings') {
            return async (findings: readonly Finding[]) => {
              const added = await target.addFindings(findings);
              await recordNotices(findings);
              return added;
            };
          }
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
    },
    async prune(now) {
      return outbox === null ? 0 : outbox.prune({ delivered: now - 86_400_000, kept: now - 31 * 86_400_000 });
    },
    async report(now) {
      const store: OutboxStore | null = outbox;
      if (store === null) return [];
      return Promise.all(
        [...mirrors.values()].map(async (mirror) => {
          const stats = await store.stats(mirror.name, now);
          const parked = await store.listDead(mirror.name, 50);
          return {
            name: mirror.name,
            kind: mirror.kind,
            pending: stats.pending,
            oldestPendingSeconds: Math.round(stats.oldestPendingMs / 1000),
            dead: stats.dead,
            parked: parked.map((change) => ({
              employee: change.employee,
              ref: change.ref,
              change: change.change,
              version: change.version,
              occurredAt: new Date(change.occurredAt).toISOString(),
              attempts: change.attempts,
            })),
          };
        }),
      );
    },
  };
}
