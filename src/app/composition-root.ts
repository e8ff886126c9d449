import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TokenProvider } from '../adapters/graph/graph-auth.js';
import { loadGraphDirectory } from '../adapters/graph/graph-directory.js';
import type { GraphHttp } from '../adapters/graph/graph-http.js';
import {
  createGraphHttp,
  createGraphSource,
  type GraphSourceOptions,
  graphTokens,
} from '../adapters/graph/graph-source.js';
import { createGraphSubscriptions } from '../adapters/graph/graph-subscriptions.js';
import { type ApiCredentials, hasCredential, isLoopbackAddress } from '../adapters/http/api-auth.js';
import {
  graphNotificationRoutes,
  LIFECYCLE_PATH,
  NOTIFICATION_PATH,
} from '../adapters/http/graph-notification-routes.js';
import { healthRoutes } from '../adapters/http/health-routes.js';
import { type HttpRoutes, startHttpService } from '../adapters/http/http-service.js';
import { metricsRoutes } from '../adapters/http/metrics-routes.js';
import { mirrorRoutes } from '../adapters/http/mirror-routes.js';
import { OidcSignIn } from '../adapters/http/pages/oidc-sign-in.js';
import type { PagesDeps } from '../adapters/http/pages/page-deps.js';
import { randomToken } from '../adapters/http/pages/page-session.js';
import { type PagesOptions, pagesRoutes } from '../adapters/http/pages/pages-routes.js';
import { LoopbackLink } from '../adapters/http/pages/sign-in-routes.js';
import { registerRoutes } from '../adapters/http/register-routes.js';
import { createIcsSource } from '../adapters/ical/ics-source.js';
import { GraphReportMailer } from '../adapters/mail/graph-send-mail.js';
import { FolderReportArchive } from '../adapters/mail/report-folder.js';
import { NotifyMailMirror } from '../adapters/mirrors/notify-mail-mirror.js';
import { SqliteOutboxStore } from '../adapters/mirrors/sqlite-outbox-store.js';
import { TeamsPresenceMirror } from '../adapters/mirrors/teams-presence-mirror.js';
import { WebhookMirror } from '../adapters/mirrors/webhook-mirror.js';
import { RestReferralSink } from '../adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../adapters/sinks/sqlite-referral-sink.js';
import { RedisPushStore } from '../adapters/stores/redis-push-store.js';
import { RedisStateStore } from '../adapters/stores/redis-state-store.js';
import { openDatabase } from '../adapters/stores/sqlite-database.js';
import { SqlitePushStore } from '../adapters/stores/sqlite-push-store.js';
import { SqliteStateStore } from '../adapters/stores/sqlite-state-store.js';
import { PermanentError } from '../domain/errors.js';
import { registerDigest } from '../domain/reconcile.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { JobTable } from './jobs/job-kind.js';
import { createJobTable, syncCalendarRequest } from './jobs/job-table.js';
import { createLogger } from './logger.js';
import { HanvisaMetrics } from './metrics.js';
import type { DeliveryPolicy } from './outbox-delivery.js';
import {
  createMirroring,
  deliveryPolicy,
  type Mirroring,
  type MirrorParts,
  userResolver,
} from './outbox-wiring.js';
import type { CalendarRef, CalendarSource } from './ports/calendar-source.js';
import type { HealthStatus, RunningService, ServeOptions } from './ports/http-service.js';
import type { Mirror } from './ports/mirror.js';
import type { PushSubscriptionStore } from './ports/push-subscription-store.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { ReportMailer } from './ports/report-delivery.js';
import type { StateStore } from './ports/state-store.js';
import { describeError } from './privacy.js';
import { pruneRetention } from './prune-retention.js';
import { PushMetrics } from './push/push-metrics.js';
import { assemblePush, type PushParts } from './push/push-service.js';
import { removeDepartedCalendars } from './remove-departed-calendars.js';
import type { ReportDependencies } from './report-schedule.js';
import { createRuleRunner } from './rule-runner.js';
import type { CalendarSyncResult, SyncDependencies } from './sync-calendar.js';

/** hanvisa wired from one config: the only place that picks implementations for ports. */
export interface App {
  readonly config: HanvisaConfig;
  readonly sink: ReferralSink;
  readonly state: StateStore;
  readonly metrics: HanvisaMetrics;
  readonly logger: Logger;
  readonly sync: SyncDependencies;
  readonly reports: ReportDependencies;
  /** The one table of job kinds both runtimes run. */
  readonly jobs: JobTable;
  /** Graph change notifications, when `push:` is configured. */
  readonly push: PushParts | null;
  /** Told every calendar round's result (the embedded runtime prints its cycles from it). */
  readonly syncListeners: Set<(result: CalendarSyncResult) => void>;
  /** Readiness of what this app depends on: the register and, in the distributed runtime, Redis. */
  readiness(): Promise<HealthStatus>;
  /** Starts the one HTTP service (health, metrics, the register API) for a runtime. */
  serve(options: ServeOptions): Promise<RunningService>;
  close(): Promise<void>;
}

/** Picks the calendar source for a calendar by its kind; one instance per kind, shared. */
export function createSourceResolver(
  config: HanvisaConfig,
  graph: GraphConnection = graphConnection(config),
): (calendar: CalendarRef) => CalendarSource {
  const sources = new Map<CalendarRef['kind'], CalendarSource>();
  return (calendar) => {
    let source = sources.get(calendar.kind);
    if (source === undefined) {
      source = createSource(config, calendar.kind, graph);
      sources.set(calendar.kind, source);
    }
    return source;
  };
}

function createSource(
  config: HanvisaConfig,
  kind: CalendarRef['kind'],
  graph: GraphConnection,
): CalendarSource {
  switch (kind) {
    case 'ics':
      return createIcsSource({
        timeZone: config.timeZone,
        ics: config.ics,
        ownerAddresses: (calendar) => {
          const email = config.employees.get(calendar.employee)?.email;
          return email ? [email] : [];
        },
      });
    case 'graph':
      return createGraphSource({ ...graphSourceOptions(config), http: graph.http() });
  }
}

export interface AppOptions {
  /** The distributed runtime's Redis connection (state shared by every worker); default: REDIS_URL. */
  readonly redis?: Redis;
  /** Tests and benchmarks: calendar sources to use instead of the configured ones. */
  readonly sourceFor?: (calendar: CalendarRef) => CalendarSource;
  /** Tests and benchmarks: a register to use instead of the configured one. */
  readonly sink?: ReferralSink;
  readonly logger?: Logger;
  readonly metrics?: HanvisaMetrics;
}

/** The `rest` sink from config, credentials from the environment. */
function createRestSink(
  config: HanvisaConfig,
  sink: { url: string; auth: 'none' | 'bearer' | 'basic' },
): RestReferralSink {
  const { token, user, password } = config.env.sink;
  if (sink.auth === 'bearer') {
    if (token === null) {
      throw new PermanentError('sink.auth bearer: set HANVISA_SINK_TOKEN in the environment');
    }
    return new RestReferralSink({ url: sink.url, auth: { kind: 'bearer', token } });
  }
  if (sink.auth === 'basic') {
    if (user === null || password === null) {
      throw new PermanentError(
        'sink.auth basic: set HANVISA_SINK_USER and HANVISA_SINK_PASSWORD in the environment',
      );
    }
    return new RestReferralSink({ url: sink.url, auth: { kind: 'basic', user, password } });
  }
  return new RestReferralSink({ url: sink.url, auth: { kind: 'none' } });
}

/** A readiness probe that does not answer within this long counts as down (a Redis away waits forever). */
const READINESS_TIMEOUT_MS = 2_000;

/**
 * A Redis connection for the state store of a command run beside the distributed service
 * (`report late`, `sync --once` with REDIS_URL): it reads and writes what the service does, and a
 * Redis that is away fails the command instead of hanging it.
 */
function commandRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 3 ? null : 200),
  });
  // The connection's own error events only repeat what each failed command rejects with (and the
  // command reports that); without a listener ioredis would crash the process instead.
  redis.on('error', () => {});
  return redis;
}

/**
 * Wires the app: the register is the embedded SQLite file (`sink.kind: embedded`) or a REST
 * service (`sink.kind: rest`); the state is Redis when REDIS_URL is set (the distributed
 * runtime's shared state, also for every command run beside it), else SQLite (one file with the
 * register unless `state.path` says otherwise). Sources by calendar kind, the rules, the job
 * table, the HTTP service. Opening creates the database folder.
 */
export function createApp(config: HanvisaConfig, options: AppOptions = {}): App {
  const logger = options.logger ?? createLogger(config.env.logLevel);
  const metrics = options.metrics ?? new HanvisaMetrics();
  const db =
    options.sink === undefined && config.sink.kind === 'embedded' ? openDatabase(config.sink.path) : null;
  let stateDb: ReturnType<typeof openDatabase> | null = null;
  let state: StateStore;
  const ownRedis =
    options.redis === undefined && config.env.redisUrl !== null ? commandRedis(config.env.redisUrl) : null;
  const redis = options.redis ?? ownRedis;
  if (redis !== null) {
    state = new RedisStateStore(redis, { prefix: 'hanvisa' });
  } else {
    stateDb =
      db !== null && config.sink.kind === 'embedded' && config.statePath === config.sink.path
        ? db
        : openDatabase(config.statePath);
    state = new SqliteStateStore(stateDb);
  }
  const graph = graphConnection(config);
  const reports = createReportDependencies(config, state, { graph });
  // Mirrors (issue 12): the outbox beside the embedded register, written in its transactions.
  const mirrorAdapters = createMirrorParts(config, {
    registerDb: db,
    stateDb,
    logger,
    mailer: reports.mailer,
    graph,
  });
  const mirroring = createMirroring(config, { ...mirrorAdapters, metrics, logger });
  const register = db !== null ? new SqliteReferralSink(db, { outbox: mirrorAdapters.outbox }) : null;
  const rest =
    options.sink === undefined && register === null
      ? createRestSink(config, config.sink as Extract<HanvisaConfig['sink'], { kind: 'rest' }>)
      : null;
  const sink: ReferralSink = options.sink ?? register ?? (rest as RestReferralSink);
  /** Readiness of the register this app writes to (a test's own sink is always there). */
  const pingSink = async (): Promise<unknown> =>
    rest !== null ? rest.ping() : db !== null ? db.prepare('SELECT 1').get() : undefined;
  const sync: SyncDependencies = {
    config,
    sourceFor: options.sourceFor ?? createSourceResolver(config, graph),
    sink,
    state: mirroring.withNotices(state),
    rules: createRuleRunner(config, state),
  };
  const employeeOf = new Map(config.calendars.map((calendar) => [calendar.id, calendar.employee]));
  const push = createPush(config, {
    store:
      redis !== null
        ? new RedisPushStore(redis, { prefix: 'hanvisa' })
        : stateDb === null
          ? null
          : new SqlitePushStore(stateDb),
    state,
    sink,
    metrics,
    logger,
    graph,
  });
  const syncListeners = new Set<(result: CalendarSyncResult) => void>();
  const jobs = createJobTable({
    config,
    sync,
    reports,
    metrics,
    logger,
    pruneRetention: async (now) => ({
      ...(await pruneRetention({ config, state, sink }, now)),
      ...(mirroring.outbox === null ? {} : { outbox: await mirroring.prune(now) }),
    }),
    removeDepartedCalendars: async () => {
      const result = await removeDepartedCalendars({ sink, state }, config.calendars);
      return { calendars: result.calendars.length, deleted: result.deleted };
    },
    onCalendarSynced: (result) => {
      if (result.created + result.updated + result.deleted + result.findings > 0) {
        const employee = employeeOf.get(result.calendar);
        if (employee !== undefined) mirroring.kick(employee);
      }
      for (const listener of syncListeners) listener(result);
    },
    extraKinds: mirroring.kind === null ? [] : [mirroring.kind],
    ...(push === null ? {} : { push }),
  });
  const readiness = async (): Promise<HealthStatus> => {
    const checks: Record<string, string> = {};
    let ok = true;
    const check = async (name: string, probe: () => Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)),
          READINESS_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([probe(), silent]);
        checks[name] = 'ok';
      } catch (error) {
        ok = false;
        checks[name] = describeError(error);
      } finally {
        clearTimeout(timer);
      }
    };
    await check('sink', pingSink);
    if (redis !== null) await check('redis', () => redis.ping());
    return { ok, checks };
  };
  return {
    config,
    sink,
    state,
    metrics,
    logger,
    sync,
    reports,
    jobs,
    push,
    syncListeners,
    readiness,
    serve: (serveOptions) => {
      mirroring.setQueue(serveOptions.jobs);
      return serveHttp(config, serveOptions, {
        metrics,
        register,
        readiness,
        push,
        mirroring,
        sink,
        state,
        syncListeners,
      });
    },
    async close() {
      await sink.close();
      await state.close();
      if (stateDb !== null && stateDb !== db) stateDb.close();
      db?.close();
      if (ownRedis !== null) await ownRedis.quit().catch(() => ownRedis.disconnect());
    },
  };
}

/**
 * Push (Graph change notifications) when `push:` is configured: subscriptions through the app's
 * Graph credentials, kept beside the state (Redis in the distributed runtime, else the state's
 * SQLite file), its job kinds and the wrapper of every calendar's sync.
 */
function createPush(
  config: HanvisaConfig,
  parts: {
    store: PushSubscriptionStore | null;
    state: StateStore;
    sink: ReferralSink;
    metrics: HanvisaMetrics;
    logger: Logger;
    graph: GraphConnection;
  },
): PushParts | null {
  const graph = config.graph;
  if (config.push === null || graph === null || graph === undefined || parts.store === null) return null;
  const store = parts.store;
  return assemblePush({
    push: config.push,
    tenantId: graph.tenantId,
    calendars: () => config.calendars,
    store,
    api: createGraphSubscriptions({
      http: parts.graph.http(),
      clientId: graph.clientId,
      notificationUrl: `${config.push.publicUrl}${NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${config.push.publicUrl}${LIFECYCLE_PATH}`,
    }),
    state: parts.state,
    metrics: new PushMetrics(parts.metrics.registry, store),
    syncRequest: syncCalendarRequest,
    concurrency: graph.maxConcurrency,
    clock: Date.now,
    onFailure: (calendar, message) =>
      parts.logger.warn(
        { calendar, error: message },
        'push subscription failed; the calendar is polled meanwhile',
      ),
    registerDigestOf: async (calendar) => registerDigest(await parts.sink.list({ calendar }), calendar),
  });
}

/**
 * The credentials of the HTTP service, and the refusals that keep it closed: a listener other
 * machines can reach needs a credential, and `server.auth: none` is for loopback only. With no
 * credential on loopback, a random token is made for this run.
 */
function serviceCredentials(
  config: HanvisaConfig,
  host: string,
): { credentials: ApiCredentials; generated: string | null } {
  const { apiTokens, sink } = config.env;
  const configured: ApiCredentials = {
    clientTokens: apiTokens,
    syncToken: sink.token,
    syncUser: sink.user,
    syncPassword: sink.password,
    open: config.server.auth === 'none',
  };
  const loopback = isLoopbackAddress(host);
  if (configured.open && !loopback) {
    throw new PermanentError(
      `server.auth: none is allowed only when server.host is loopback (127.0.0.1), not ${host}: remove it and set HANVISA_API_TOKENS`,
    );
  }
  if (hasCredential(configured) || configured.open) return { credentials: configured, generated: null };
  if (!loopback) {
    throw new PermanentError(
      `server.host ${host} is reachable from other machines but no credential is set: set HANVISA_API_TOKENS (comma-separated API tokens) in the environment, or listen on 127.0.0.1`,
    );
  }
  const generated = randomBytes(24).toString('base64url');
  return { credentials: { ...configured, clientTokens: [generated] }, generated };
}

async function serveHttp(
  config: HanvisaConfig,
  options: ServeOptions,
  parts: {
    metrics: HanvisaMetrics;
    register: SqliteReferralSink | null;
    readiness: () => Promise<HealthStatus>;
    sink: ReferralSink;
    state: StateStore;
    syncListeners: Set<(result: CalendarSyncResult) => void>;
    mirroring: Mirroring;
    push: PushParts | null;
  },
): Promise<RunningService> {
  const { credentials, generated } = serviceCredentials(config, options.host);
  const readiness = async (): Promise<HealthStatus> => {
    const own = await parts.readiness();
    const extra = options.readiness === undefined ? { ok: true, checks: {} } : await options.readiness();
    return { ok: own.ok && extra.ok, checks: { ...own.checks, ...extra.checks } };
  };
  const routes: HttpRoutes[] = [
    healthRoutes({ liveness: options.liveness, readiness }),
    metricsRoutes(parts.metrics.registry, credentials),
  ];
  if (parts.register !== null) routes.push(registerRoutes(parts.register, credentials));
  const signIn = pagesSignIn(config, options.host);
  routes.push(
    pagesRoutes(
      pagesDepsFrom(config, {
        sink: parts.sink,
        state: parts.state,
        clock: options.clock ?? Date.now,
        queue: options.jobs,
        syncRequest: syncCalendarRequest,
        // Syncs of this process update the board at once; a full re-read catches the rest (other
        // hosts' workers, manual entries): every 10 s when other hosts may sync, else every minute.
        boardRefreshMs: config.env.redisUrl === null ? 60_000 : 10_000,
        ...(parts.push === null || config.push === null
          ? {}
          : {
              safetyPollMs: config.push.safetyPollMs,
              pushStatus: async () => {
                const subscriptions = await (parts.push as PushParts).subscriptions.store.list();
                return new Map(subscriptions.map((item) => [item.calendar, item.status] as const));
              },
            }),
        onCalendarSynced: (listener) => {
          const forward = (result: CalendarSyncResult) => listener(result.calendar);
          parts.syncListeners.add(forward);
          return () => parts.syncListeners.delete(forward);
        },
      }),
      signIn.options,
    ),
  );
  if (parts.mirroring.mirrors.size > 0)
    routes.push(mirrorRoutes(() => parts.mirroring.report(Date.now()), credentials));
  const push = parts.push;
  if (push !== null && config.push !== null) {
    routes.push(
      graphNotificationRoutes({
        receive: (items, receivedAt) => push.receive(options.jobs, items, receivedAt),
        malformed: push.malformed,
        clock: Date.now,
        bodyLimit: config.push.bodyLimit,
      }),
    );
  }
  const service = await startHttpService({ host: options.host, port: options.port, routes });
  return {
    url: service.url,
    port: service.port,
    generatedToken: generated,
    signInLink: signIn.linkFor(service.url),
    close: () => service.close(),
  };
}

/** What the pages read, from the config and the app's register and state. */
export function pagesDepsFrom(
  config: HanvisaConfig,
  parts: Pick<PagesDeps, 'sink' | 'state' | 'clock'> &
    Partial<
      Pick<
        PagesDeps,
        'queue' | 'syncRequest' | 'onCalendarSynced' | 'boardRefreshMs' | 'pushStatus' | 'safetyPollMs'
      >
    >,
): PagesDeps {
  return {
    timeZone: config.timeZone,
    window: config.window,
    codes: config.codes,
    manual: {
      deadline: config.rules.lateEntry.deadline,
      lateEntryEnabled: config.rules.lateEntry.enabled,
      privatePolicy: config.policy.private,
      fallback: config.policy.fallback,
    },
    lateEntry: {
      deadline: config.rules.lateEntry.deadline,
      countInvited: config.rules.lateEntry.countInvited,
    },
    employees: config.employees,
    people: config.people,
    calendars: config.calendars,
    scheduleEveryMs: config.scheduleEveryMs,
    ...parts,
  };
}

/** The pages' sign-in as the config and the listener allow, and the link to print (loopback only). */
export interface PagesSignIn {
  readonly options: PagesOptions;
  /** `http://127.0.0.1:PORT/?token=…` once the port is known; null unless the loopback link is on. */
  linkFor(baseUrl: string): string | null;
}

/**
 * Entra ID sign-in when `pages.oidc` is configured; otherwise the one-time loopback link, but
 * only on a loopback listener (on any other address nobody can sign in until OIDC is set up).
 * The cookie key is HANVISA_SESSION_SECRET, or random per process (sign-ins then end with a
 * restart, and processes behind one load balancer must share the secret).
 */
export function pagesSignIn(config: HanvisaConfig, listenerHost: string): PagesSignIn {
  const oidc = config.pages.oidc;
  const publicUrl = config.pages.publicUrl?.replace(/\/$/, '') ?? null;
  const redirectUri = oidc?.redirectUri ?? (publicUrl === null ? null : `${publicUrl}/auth/callback`);
  const loopback = isLoopbackAddress(listenerHost);
  const link = oidc === undefined && loopback ? new LoopbackLink(randomToken(24)) : null;
  const signIn =
    oidc === undefined
      ? null
      : new OidcSignIn({
          issuer: oidc.issuer,
          clientId: oidc.clientId,
          clientSecret: config.env.pages.oidcClientSecret,
          groupRoles: oidc.groupRoles,
          allowInsecure:
            new URL(oidc.issuer).protocol === 'http:' && isLoopbackAddress(new URL(oidc.issuer).hostname),
        });
  return {
    options: {
      auth: {
        sessionSecret: config.env.pages.sessionSecret ?? randomToken(32),
        sessionHours: config.pages.sessionHours,
        secureCookies: publicUrl?.startsWith('https://') ?? false,
        oidc: signIn,
        loopbackLink: link,
      },
      redirectUri,
    },
    linkFor: (baseUrl) => (link === null ? null : `${baseUrl}/?token=${link.token}`),
  };
}

/**
 * The mirrors' adapters from config (issue 12): the outbox in the embedded register's database
 * (or, for notices only, the SQLite state's), Teams presence and webhook mirrors, and the notice
 * mailer. Mirrors need the embedded register: a process writing through a `rest` sink records
 * and delivers none (the hanvisa service that serves that register does) and says so.
 */
export function createMirrorParts(
  config: HanvisaConfig,
  parts: {
    readonly registerDb: ReturnType<typeof openDatabase> | null;
    readonly stateDb: ReturnType<typeof openDatabase> | null;
    readonly logger: Logger;
    readonly mailer: ReportMailer | null;
    /** The app's Graph connection (default: one of its own). */
    readonly graph?: GraphConnection;
  },
): MirrorParts & { readonly outbox: SqliteOutboxStore | null } {
  const { logger } = parts;
  if (config.mirrors.length > 0 && parts.registerDb === null) {
    logger.warn(
      'mirrors are recorded and delivered where the embedded register is (sink.kind: embedded); this process writes through the rest sink and delivers none: configure mirrors on the hanvisa service that serves the register',
    );
  }
  const notifyOn = (config.notify.unknownCode || config.notify.lateEntry) && parts.mailer !== null;
  const db = parts.registerDb ?? parts.stateDb;
  if (notifyOn && db === null)
    logger.warn('notify needs a SQLite register or state; no mails to employees are sent');
  const settings = parts.registerDb === null ? [] : config.mirrors;
  const mirrors = new Map<string, Mirror>();
  const policies = new Map<string, DeliveryPolicy>();
  if (db === null || (settings.length === 0 && !notifyOn)) return { outbox: null, mirrors, policies };
  const outbox = new SqliteOutboxStore(db, { entryMirrors: settings.map((mirror) => mirror.name) });
  const userFor = userResolver(config);
  for (const mirror of settings) {
    if (mirror.kind === 'webhook') {
      const secret = config.env.webhookSecrets[mirror.secretEnv];
      if (secret === undefined)
        throw new PermanentError(
          `mirrors ${mirror.name}: set ${mirror.secretEnv} in the environment (the webhook secret)`,
        );
      mirrors.set(
        mirror.name,
        new WebhookMirror({ name: mirror.name, url: mirror.url, secret, timeoutMs: mirror.timeoutMs }),
      );
    } else {
      const graph = config.graph;
      if (graph === null || graph === undefined) {
        throw new PermanentError(
          `mirrors ${mirror.name}: teamsPresence needs the graph: section (tenantId, clientId) and HANVISA_GRAPH_* credentials`,
        );
      }
      mirrors.set(
        mirror.name,
        new TeamsPresenceMirror({
          name: mirror.name,
          baseUrl: graph.baseUrl,
          tokens: (parts.graph ?? graphConnection(config)).tokens(),
          state: outbox,
          userFor,
          presence: mirror.presence,
          fallback: mirror.fallback,
          statusMessage: mirror.statusMessage,
          timeZone: config.timeZone,
          requestsPer30s: mirror.requestsPer30s,
        }),
      );
    }
    policies.set(mirror.name, deliveryPolicy(mirror.retry));
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
    policies.set('notify', deliveryPolicy(config.notify.retry));
  }
  return { outbox, mirrors, policies };
}

/**
 * Report delivery: the report folder (`reports.folder`, or `folder` from `--out`) and, when
 * `reports.mail` is configured and enabled, Graph sendMail from that mailbox with the app's
 * MSAL credentials (the `graph:` section and HANVISA_GRAPH_*). Mail without a `graph:` section
 * fails each send with a message saying so, and the reports stay pending in the folder.
 */
export function createReportDependencies(
  config: HanvisaConfig,
  state: StateStore,
  options: { folder?: string; setting?: string; graph?: GraphConnection } = {},
): ReportDependencies {
  const archive = new FolderReportArchive(
    options.folder ?? config.reports.folder,
    options.setting ?? 'reports.folder',
  );
  let mailer: ReportMailer | null = null;
  const mail = config.reports.mail;
  if (mail?.enabled) {
    const graph = config.graph;
    mailer =
      graph === null || graph === undefined
        ? {
            async send() {
              throw new PermanentError(
                'reports.mail needs the graph: section (tenantId, clientId) to send through Graph',
              );
            },
          }
        : new GraphReportMailer({
            baseUrl: graph.baseUrl,
            from: mail.from,
            tokens: (options.graph ?? graphConnection(config)).tokens(),
          });
  }
  return { config, state, archive, mailer };
}

/**
 * The directory with Entra ID's opt-in group merged in (`graph.optInGroup`): the group's members
 * become employees with one Graph calendar each, next to the config's own directory (a member the
 * config lists keeps its id, extension and manager). Without `optInGroup` the config is returned
 * as it is. Read once when a command or the service starts; restart the service to pick up new
 * members.
 */
export async function withEntraDirectory(config: HanvisaConfig): Promise<HanvisaConfig> {
  const graph = config.graph;
  if (!graph || graph.optInGroup === undefined) return config;
  const directory = await loadGraphDirectory({
    http: createGraphHttp(graphSourceOptions(config)),
    clientId: graph.clientId,
    groupId: graph.optInGroup,
    extensionFrom: graph.extensionFrom,
    configEmployees: config.employees,
  });
  const employees = new Map(config.employees);
  const people = new Map(config.people);
  for (const person of directory.managers) if (!people.has(person.id)) people.set(person.id, person);
  for (const employee of directory.employees) {
    if (!employees.has(employee.id)) employees.set(employee.id, employee);
    people.set(employee.id, employees.get(employee.id) ?? employee);
  }
  // An employee whose Graph calendar the config already names keeps that one: a second id for
  // the same mailbox would refer every meeting twice.
  const known = new Set(config.calendars.map((calendar) => calendar.id));
  const withGraph = new Set(
    config.calendars.filter((item) => item.kind === 'graph').map((item) => item.employee),
  );
  const calendars = [
    ...config.calendars,
    ...directory.calendars.filter((calendar) => !known.has(calendar.id) && !withGraph.has(calendar.employee)),
  ];
  return { ...config, employees, people, calendars };
}

/**
 * The app's one Graph connection, made on first use: one MSAL client and token cache (a
 * rejected secret costs one token request, not one per part) and one set of limits
 * (`graph.maxConcurrency`, 4 per mailbox), shared by delta sync, subscriptions, mail and presence.
 */
export interface GraphConnection {
  tokens(): TokenProvider;
  http(): GraphHttp;
}

export function graphConnection(config: HanvisaConfig): GraphConnection {
  let tokens: TokenProvider | null = null;
  let http: GraphHttp | null = null;
  const connection: GraphConnection = {
    tokens: () => {
      tokens ??= graphTokens(graphSourceOptions(config));
      return tokens;
    },
    http: () => {
      http ??= createGraphHttp({ ...graphSourceOptions(config), tokens: connection.tokens() });
      return http;
    },
  };
  return connection;
}

/**
 * The Graph source's options from the loaded config: the `graph:` section, the organisation's
 * zone and the HANVISA_GRAPH_* secrets the environment reader found. Throws a PermanentError
 * naming the config path when `graph:` calendars exist but the section does not.
 */
export function graphSourceOptions(
  config: Pick<HanvisaConfig, 'graph' | 'timeZone' | 'env' | 'file'>,
): GraphSourceOptions {
  const graph = config.graph;
  if (graph === null || graph === undefined) {
    throw new PermanentError(
      `${config.file}: graph: calendars need a graph: section (tenantId, clientId) and credentials in HANVISA_GRAPH_*`,
    );
  }
  return {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    authorityHost: graph.authorityHost,
    baseUrl: graph.baseUrl,
    maxConcurrency: graph.maxConcurrency,
    maxPageSize: graph.maxPageSize,
    batchSize: graph.batchSize,
    timeZone: config.timeZone,
    credentials: config.env.graph,
  };
}
