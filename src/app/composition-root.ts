import type { Redis } from 'ioredis';
import { MsalTokenProvider } from '../adapters/graph/graph-auth.js';
import { graphSourceOptions } from '../adapters/graph/graph-config.js';
import { loadGraphDirectory } from '../adapters/graph/graph-directory.js';
import { createGraphHttp, createGraphSource } from '../adapters/graph/graph-source.js';
import { createIcsSource } from '../adapters/ical/ics-source.js';
import { GraphReportMailer } from '../adapters/mail/graph-send-mail.js';
import { FolderReportArchive } from '../adapters/mail/report-folder.js';
import { RestReferralSink } from '../adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../adapters/sinks/sqlite-referral-sink.js';
import { RedisStateStore } from '../adapters/stores/redis-state-store.js';
import { openDatabase } from '../adapters/stores/sqlite-database.js';
import { SqliteStateStore } from '../adapters/stores/sqlite-state-store.js';
import { PermanentError } from '../domain/errors.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { CalendarRef, CalendarSource } from './ports/calendar-source.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { ReportMailer } from './ports/report-delivery.js';
import type { StateStore } from './ports/state-store.js';
import type { ReportDependencies } from './report-schedule.js';
import { createRuleRunner } from './rule-runner.js';
import type { SyncDependencies } from './sync-calendar.js';

/** hanvisa wired from one config: the only place that picks implementations for ports. */
export interface App {
  readonly config: HanvisaConfig;
  readonly sink: ReferralSink;
  readonly state: StateStore;
  readonly sync: SyncDependencies;
  readonly reports: ReportDependencies;
  close(): Promise<void>;
}

/** Picks the calendar source for a calendar by its kind; one instance per kind, shared. */
export function createSourceResolver(config: HanvisaConfig): (calendar: CalendarRef) => CalendarSource {
  const sources = new Map<CalendarRef['kind'], CalendarSource>();
  return (calendar) => {
    let source = sources.get(calendar.kind);
    if (source === undefined) {
      source = createSource(config, calendar.kind);
      sources.set(calendar.kind, source);
    }
    return source;
  };
}

function createSource(config: HanvisaConfig, kind: CalendarRef['kind']): CalendarSource {
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
      return createGraphSource(graphSourceOptions(config));
  }
}

export interface AppOptions {
  /** The distributed runtime: cursors, first-seen times and findings live in this Redis, shared by every worker. */
  readonly redis?: Redis;
  /** Tests and benchmarks: calendar sources to use instead of the configured ones. */
  readonly sourceFor?: (calendar: CalendarRef) => CalendarSource;
  /** Tests and benchmarks: a register to use instead of the configured one. */
  readonly sink?: ReferralSink;
}

/** The `rest` sink from config, credentials from the environment. */
function createRestSink(
  config: HanvisaConfig,
  sink: { url: string; auth: 'none' | 'bearer' | 'basic' },
): ReferralSink {
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

/**
 * Wires the app: the register is the embedded SQLite file (`sink.kind: embedded`) or a REST
 * service (`sink.kind: rest`); the state is SQLite (one file with the register unless
 * `state.path` says otherwise), or Redis in the distributed runtime. Sources by calendar kind,
 * the rules. Opening creates the database folder.
 */
export function createApp(config: HanvisaConfig, options: AppOptions = {}): App {
  const db =
    options.sink === undefined && config.sink.kind === 'embedded' ? openDatabase(config.sink.path) : null;
  const sink =
    options.sink !== undefined
      ? options.sink
      : db !== null
        ? new SqliteReferralSink(db)
        : createRestSink(config, config.sink as { url: string; auth: 'none' | 'bearer' | 'basic' });
  let stateDb: ReturnType<typeof openDatabase> | null = null;
  let state: StateStore;
  if (options.redis !== undefined) {
    state = new RedisStateStore(options.redis, { prefix: 'hanvisa' });
  } else {
    stateDb =
      db !== null && config.statePath === (config.sink as { path: string }).path
        ? db
        : openDatabase(config.statePath);
    state = new SqliteStateStore(stateDb);
  }
  return {
    config,
    sink,
    state,
    sync: {
      config,
      sourceFor: options.sourceFor ?? createSourceResolver(config),
      sink,
      state,
      rules: createRuleRunner(config, state),
    },
    reports: createReportDependencies(config, state),
    async close() {
      await sink.close();
      await state.close();
      if (stateDb !== null && stateDb !== db) stateDb.close();
      db?.close();
    },
  };
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
  options: { folder?: string; setting?: string } = {},
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
            tokens: new MsalTokenProvider({
              tenantId: graph.tenantId,
              clientId: graph.clientId,
              authorityHost: graph.authorityHost,
              baseUrl: graph.baseUrl,
              credentials: config.env.graph,
            }),
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
