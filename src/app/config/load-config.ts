import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type CodeTable, compileCodeTable } from '../../domain/codes/code-table.js';
import type { ReferralPolicy } from '../../domain/desired-entries.js';
import type { Employee, Person } from '../../domain/directory.js';
import { ConfigError } from '../../domain/errors.js';
import type { MassDeleteGuard } from '../../domain/reconcile.js';
import { returnDay } from '../../domain/return-day.js';
import type { CalendarRef } from '../ports/calendar-source.js';
import { workingDays } from '../working-days.js';
import { type ConfigFile, configSchema, parseDuration } from './config-schema.js';
import { didYouMean } from './did-you-mean.js';
import { type Environment, readEnvironment } from './environment.js';
import { type MirrorSettings, type NotifySettings, resolveMirrors, resolveNotify } from './mirror-config.js';

export type { Employee, Person };

/**
 * The configuration as the rest of hanvisa uses it: validated once, defaults filled in, paths
 * absolute, the code table compiled, calendars given stable ids, the environment read.
 */
export interface HanvisaConfig {
  readonly file: string;
  readonly raw: ConfigFile;
  readonly timeZone: string;
  readonly window: ConfigFile['window'];
  readonly codes: CodeTable;
  readonly policy: ReferralPolicy;
  readonly rules: ConfigFile['rules'];
  readonly employees: ReadonlyMap<string, Employee>;
  /** Everyone who may receive a report: managers and employees, by id. */
  readonly people: ReadonlyMap<string, Person>;
  readonly calendars: readonly CalendarRef[];
  readonly sink:
    | { readonly kind: 'embedded'; readonly path: string }
    | { readonly kind: 'rest'; readonly url: string; readonly auth: 'none' | 'bearer' | 'basic' };
  readonly statePath: string;
  readonly register: ConfigFile['register'];
  readonly massDelete: MassDeleteGuard;
  readonly scheduleEveryMs: number;
  readonly reports: {
    readonly schedule: string;
    readonly folder: string;
    readonly mail: { readonly from: string; readonly enabled: boolean } | null;
  };
  readonly ics: ConfigFile['ics'];
  readonly graph: ConfigFile['graph'] | null;
  /** The pages' sign-in (Entra ID OIDC, or the loopback link) and sessions. */
  readonly pages: ConfigFile['pages'];
  /** Graph change notifications, or null when `push:` is absent (durations in ms). */
  readonly push: PushConfig | null;
  /** The HTTP listener of `hanvisa start` (both runtimes). */
  readonly server: { readonly host: string; readonly port: number; readonly auth: 'token' | 'none' };
  /** How the runtimes run jobs; durations in milliseconds. */
  readonly workers: {
    readonly concurrency: number;
    readonly shutdownDeadlineMs: number;
    readonly stalledAfterMs: number;
  };
  /** Systems the register is mirrored to (issue 12), durations in ms. */
  readonly mirrors: readonly MirrorSettings[];
  readonly notify: NotifySettings;
  readonly env: Environment;
}

/** The resolved `push:` section. */
export interface PushConfig {
  readonly publicUrl: string;
  readonly lifetimeMs: number;
  readonly renewBeforeMs: number;
  readonly safetyPollMs: number;
  readonly coalesceMs: number;
  readonly maxCreatesPerSlot: number;
  readonly bodyLimit: number;
}

const SECRET_KEY = /secret|password|passwd|token|privatekey|certificate|thumbprint|apikey/i;

function formatPath(pathItems: readonly PropertyKey[]): string {
  let text = '';
  for (const item of pathItems) {
    if (typeof item === 'number') text += `[${item}]`;
    else text += text === '' ? String(item) : `.${String(item)}`;
  }
  return text === '' ? '(top level)' : text;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
  options?: { _zod: { def: SchemaDef } }[];
  in?: { _zod: { def: SchemaDef } };
}

/** The keys the schema knows at a path, for "did you mean". */
function knownKeysAt(def: SchemaDef, pathItems: readonly PropertyKey[]): string[] {
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'prefault':
      return def.innerType ? knownKeysAt(def.innerType._zod.def, pathItems) : [];
    case 'pipe':
      return def.in ? knownKeysAt(def.in._zod.def, pathItems) : [];
    case 'union':
      return [...new Set((def.options ?? []).flatMap((option) => knownKeysAt(option._zod.def, pathItems)))];
    case 'array':
      return def.element && typeof pathItems[0] === 'number'
        ? knownKeysAt(def.element._zod.def, pathItems.slice(1))
        : [];
    case 'object': {
      if (pathItems.length === 0) return Object.keys(def.shape ?? {});
      const child = def.shape?.[String(pathItems[0])];
      return child ? knownKeysAt(child._zod.def, pathItems.slice(1)) : [];
    }
    default:
      return [];
  }
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(configSchema._zod.def as unknown as SchemaDef, issue.path);
    return issue.keys.map((key) => {
      const where = formatPath([...issue.path, key]);
      if (SECRET_KEY.test(key)) {
        return `${where}: secrets do not belong in the config file; set them in the environment (HANVISA_GRAPH_CLIENT_SECRET, HANVISA_GRAPH_CERTIFICATE_KEY_FILE, HANVISA_SINK_TOKEN …)`;
      }
      const hint = didYouMean(key, known);
      return `${where}: unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
    });
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

const FEED_URL = /^(https?|webcal):\/\//i;

/** Why a file feed cannot be read, or null when it can. */
function feedFileProblem(absolute: string): string | null {
  try {
    if (!statSync(absolute).isFile()) return 'not a file';
    accessSync(absolute, constants.R_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'file not found' : `cannot read the file (${code})`;
  }
}

/**
 * Every `{ ics: path }` of the directory whose file cannot be read, each with its config path
 * and line. Reads the parsed YAML defensively, so it reports together with schema problems.
 */
function feedFileProblems(
  data: unknown,
  dir: string,
  lineOf: (at: readonly (string | number)[]) => string,
): string[] {
  const problems: string[] = [];
  const employees = (data as { directory?: { employees?: unknown } } | null)?.directory?.employees;
  if (!Array.isArray(employees)) return problems;
  employees.forEach((person: unknown, index) => {
    const calendars = (person as { calendars?: unknown } | null)?.calendars;
    if (!Array.isArray(calendars)) return;
    calendars.forEach((calendar: unknown, calendarIndex) => {
      const ics = (calendar as { ics?: unknown } | null)?.ics;
      if (typeof ics !== 'string' || ics === '' || FEED_URL.test(ics)) return;
      const problem = feedFileProblem(path.resolve(dir, ics));
      if (problem === null) return;
      const at = ['directory', 'employees', index, 'calendars', calendarIndex, 'ics'];
      problems.push(`${formatPath(at)}: ${problem} (relative to the config's folder)${lineOf(at)}`);
    });
  });
  return problems;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Also check that every file feed (`{ ics: path }`) exists and is readable. `config validate`
   * does; the service does not, because a feed file that is missing for a while fails only its
   * own calendar (named by its id) and the others keep syncing.
   */
  readonly checkFeedFiles?: boolean;
}

/**
 * Reads, validates and resolves a config file. Every problem (YAML syntax, schema, references,
 * duplicates, an unusable cron) is collected and thrown together in one ConfigError, each line
 * starting with its path, so IT fixes them in one round. Nothing is written and nothing is
 * connected here.
 */
export function loadConfig(
  file: string,
  env: Environment = readEnvironment(),
  options: LoadConfigOptions = {},
): HanvisaConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      code === 'ENOENT'
        ? `cannot read the config: no such file (pass --config PATH)`
        : `cannot read the config: ${code}`,
    ]);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        return `${position ? `line ${position.line}, column ${position.col}` : 'YAML'}: ${error.message.split('\n')[0]}`;
      }),
    );
  }
  const data: unknown = document.toJS() ?? {};
  const lineOf = (at: readonly (string | number)[]): string => {
    const node = document.getIn(at, true);
    return isNode(node) && node.range ? ` (line ${lineCounter.linePos(node.range[0]).line})` : '';
  };
  const feedProblems =
    options.checkFeedFiles === true ? feedFileProblems(data, path.dirname(absolute), lineOf) : [];
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) =>
      describeIssue(issue).map((problem) => `${problem}${lineOf(issue.path as (string | number)[])}`),
    );
    throw new ConfigError(file, [...problems, ...feedProblems]);
  }
  if (!isMap(document.contents))
    throw new ConfigError(file, ['(top level): the config must be a YAML mapping']);
  if (feedProblems.length > 0) throw new ConfigError(file, feedProblems);
  return resolveConfig(absolute, result.data, env);
}

function resolveConfig(file: string, raw: ConfigFile, env: Environment): HanvisaConfig {
  const dir = path.dirname(file);
  const resolvePath = (target: string) => path.resolve(dir, target);
  const employees = new Map<string, Employee>();
  const people = new Map<string, Person>();
  const calendars: CalendarRef[] = [];
  for (const person of raw.directory.managers) {
    people.set(person.id, { id: person.id, name: person.name, email: person.email ?? null });
  }
  for (const person of raw.directory.employees) {
    const employee: Employee = {
      id: person.id,
      name: person.name,
      email: person.email ?? null,
      extension: person.extension,
      manager: person.manager ?? null,
      ...(person.unit === undefined ? {} : { unit: person.unit }),
    };
    employees.set(person.id, employee);
    people.set(person.id, employee);
    person.calendars.forEach((calendar, index) => {
      if ('ics' in calendar) {
        const isUrl = FEED_URL.test(calendar.ics);
        calendars.push({
          id: calendar.id ?? `${person.id}/ics-${index + 1}`,
          employee: person.id,
          kind: 'ics',
          address: isUrl ? calendar.ics : resolvePath(calendar.ics),
        });
      } else {
        calendars.push({
          id: calendar.id ?? `${person.id}/graph-${index + 1}`,
          employee: person.id,
          kind: 'graph',
          address: calendar.graph,
        });
      }
    });
  }
  const sink =
    raw.sink.kind === 'embedded'
      ? { kind: 'embedded' as const, path: resolvePath(raw.sink.path) }
      : { kind: 'rest' as const, url: raw.sink.url, auth: raw.sink.auth };
  const statePath = raw.state
    ? resolvePath(raw.state.path)
    : sink.kind === 'embedded'
      ? sink.path
      : resolvePath('data/hanvisa-state.db');
  const codes = compileCodeTable(raw.codes.entries, raw.codes.syntax);
  if (raw.push !== undefined && raw.graph === undefined) {
    throw new ConfigError(file, ['push: needs the graph: section (push covers Graph mailboxes only)']);
  }
  return {
    file,
    raw,
    timeZone: raw.timeZone,
    window: raw.window,
    codes,
    policy: {
      codes,
      private: raw.codes.private,
      fallback: raw.codes.fallback,
      returnDay: returnDay(raw.timeZone, workingDays(raw.holidays)),
    },
    rules: raw.rules,
    employees,
    people,
    calendars,
    sink,
    statePath,
    register: raw.register,
    massDelete: raw.massDelete,
    scheduleEveryMs: parseDuration(raw.schedule.every),
    reports: {
      schedule: raw.reports.schedule,
      folder: resolvePath(raw.reports.folder),
      mail: raw.reports.mail ?? null,
    },
    ics: raw.ics,
    graph: raw.graph ?? null,
    pages: raw.pages,
    push:
      raw.push === undefined
        ? null
        : {
            publicUrl: raw.push.publicUrl.replace(/\/+$/, ''),
            lifetimeMs: parseDuration(raw.push.lifetime),
            renewBeforeMs: parseDuration(raw.push.renewBefore),
            safetyPollMs: parseDuration(raw.push.safetyPoll),
            coalesceMs: parseDuration(raw.push.coalesce),
            maxCreatesPerSlot: raw.push.maxCreatesPerSlot,
            bodyLimit: raw.push.bodyLimit,
          },
    server: raw.server,
    workers: {
      concurrency: raw.workers.concurrency,
      shutdownDeadlineMs: parseDuration(raw.workers.shutdownDeadline),
      stalledAfterMs: parseDuration(raw.workers.stalledAfter),
    },
    mirrors: resolveMirrors(raw.mirrors),
    notify: resolveNotify(raw.notify, raw.reports.mail?.enabled === true),
    env,
  };
}
