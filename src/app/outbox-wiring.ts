import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { MsalTokenProvider } from '../adapters/graph/graph-auth.js';
import type { MirrorReport } from '../adapters/http/mirror-routes.js';
import { NotifyMailMirror } from '../adapters/mirrors/notify-mail-mirror.js';
import { SqliteOutboxStore } from '../adapters/mirrors/sqlite-outbox-store.js';
import { TeamsPresenceMirror } from '../adapters/mirrors/teams-presence-mirror.js';
import { WebhookMirror } from '../adapters/mirrors/webhook-mirror.js';
import { PermanentError } from '../domain/errors.js';
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
import type { Mirror } from './ports/mirror.js';
import type { OutboxStore } from './ports/outbox-store.js';
import type { ReportMailer } from './ports/report-delivery.js';
import type { Finding, StateStore } from './ports/state-store.js';

/** The mirrors wired from config: the outbox, the mirrors, their job kind and metrics. */
export interface Mirroring {
  /** The outbox beside the embedded register (its sink records into it), or null. */
  readonly outbox: SqliteOutboxStore | null;
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

function policyOf(retry: RetrySettings): DeliveryPolicy {
  return { deadAfterMs: retry.deadAfterMs, baseDelayMs: retry.firstMs, maxDelayMs: retry.maxMs, batch: 100 };
}

/** An employee's Entra user for Teams and mail: the first Graph mailbox, else the directory email. */
function userResolver(config: HanvisaConfig): (employee: string) => string | null {
  const mailbox = new Map<string, string>();
  for (const calendar of config.calendars)
    if (calendar.kind === 'graph' && !mailbox.has(calendar.employee))
      mailbox.set(calendar.employee, calendar.address);
  return (employee) => mailbox.get(employee) ?? config.employees.get(employee)?.email ?? null;
}

/**
 * Wires the mirrors (issue 12). The outbox lives in the embedded register's database and is
 * written in the register's own transactions; mirrors therefore need `sink.kind: embedded`
 * (with a `rest` sink, configure them on the hanvisa service that serves that register: its
 * register records the changes the workers write through the API). Notices to employees use
 * the same outbox, in the register's or the SQLite state's database.
 */
export function createMirroring(
  config: HanvisaConfig,
  parts: {
    readonly registerDb: Database.Database | null;
    readonly stateDb: Database.Database | null;
    readonly metrics: HanvisaMetrics;
    readonly logger: Logger;
    readonly mailer: ReportMailer | null;
    readonly clock?: () => Instant;
  },
): Mirroring {
  const clock = parts.clock ?? Date.now;
  if (config.mirrors.length > 0 && parts.registerDb === null) {
    parts.logger.warn(
      'mirrors are recorded and delivered where the embedded register is (sink.kind: embedded); this process writes through the rest sink and delivers none: configure mirrors on the hanvisa service that serves the register',
    );
  }
  const notifyOn = (config.notify.unknownCode || config.notify.lateEntry) && parts.mailer !== null;
  const db = parts.registerDb ?? parts.stateDb;
  if (notifyOn && db === null) {
    parts.logger.warn('notify.unknownCode needs a SQLite register or state; no mails to employees are sent');
  }
  const entryMirrors = parts.registerDb === null ? [] : config.mirrors.map((mirror) => mirror.name);
  const outbox =
    db === null || (entryMirrors.length === 0 && !notifyOn)
      ? null
      : new SqliteOutboxStore(db, { entryMirrors });
  const mirrors = new Map<string, Mirror>();
  const policies = new Map<string, DeliveryPolicy>();
  const userFor = userResolver(config);
  let queue: JobQueue | null = null;
  if (outbox !== null) {
    for (const settings of parts.registerDb === null ? [] : config.mirrors) {
      if (settings.kind === 'webhook') {
        const secret = config.env.webhookSecrets[settings.secretEnv];
        if (secret === undefined) {
          throw new PermanentError(
            `mirrors ${settings.name}: set ${settings.secretEnv} in the environment (the webhook secret)`,
          );
        }
        mirrors.set(
          settings.name,
          new WebhookMirror({
            name: settings.name,
            url: settings.url,
            secret,
            timeoutMs: settings.timeoutMs,
          }),
        );
      } else {
        const graph = config.graph;
        if (graph === null || graph === undefined) {
          throw new PermanentError(
            `mirrors ${settings.name}: teamsPresence needs the graph: section (tenantId, clientId) and HANVISA_GRAPH_* credentials`,
          );
        }
        mirrors.set(
          settings.name,
          new TeamsPresenceMirror({
            name: settings.name,
            baseUrl: graph.baseUrl,
            tokens: new MsalTokenProvider({
              tenantId: graph.tenantId,
              clientId: graph.clientId,
              authorityHost: graph.authorityHost,
              baseUrl: graph.baseUrl,
              credentials: config.env.graph,
            }),
            state: outbox,
            userFor,
            presence: settings.presence,
            fallback: settings.fallback,
            statusMessage: settings.statusMessage,
            timeZone: config.timeZone,
            requestsPer30s: settings.requestsPer30s,
          }),
        );
      }
      policies.set(settings.name, policyOf(settings.retry));
    }
    if (notifyOn && parts.mailer !== null) {
      mirrors.set(
        'notify',
        new NotifyMailMirror({
          mailer: parts.mailer,
          addressOf: (employee) => config.employees.get(employee)?.email ?? userFor(employee),
          timeZone: config.timeZone,
          officeHours: config.notify.officeHours,
          manualUrl: config.notify.manualUrl,
        }),
      );
      policies.set('notify', policyOf(config.notify.retry));
    }
  }
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
