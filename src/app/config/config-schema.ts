import { CronExpressionParser } from 'cron-parser';
import Holidays from 'date-holidays';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { normaliseCodeKey } from '../../domain/codes/code-table.js';
import { SHOW_AS_VALUES } from '../../domain/occurrence.js';
import { mirrorsSchema, notifySchema } from './mirror-config.js';

/**
 * The one schema of hanvisa.yaml. Every object is strict (an unknown key is an error, with a
 * "did you mean"), every field has a description (IT's editor shows it through the generated
 * JSON Schema), and defaults live here and nowhere else. Secrets are not part of it: they come
 * from the environment.
 */

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses `90s`, `5m`, `1h` into milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (match === null) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z
  .string()
  .regex(DURATION, { message: 'a duration such as "90s", "5m" or "1h"', abort: true })
  .refine((text) => parseDuration(text) > 0, 'must be longer than zero');

/**
 * Why a cron expression cannot be used, or null when it can: five fields (or six with seconds
 * first) or an alias such as `@weekly`, each field in range, and at least one future slot.
 * cron-parser alone accepts a four-field or an empty expression, which every report run then
 * reads differently from what IT meant, so the field count is checked here too.
 */
export function cronProblem(expression: string): string | null {
  const text = expression.trim();
  const fields = text.split(/\s+/).length;
  if (!text.startsWith('@') && fields !== 5 && fields !== 6) {
    return `"${expression}" is not a cron expression: it needs five fields (minute hour day-of-month month day-of-week), e.g. "0 7 * * 1" (Mondays 07:00)`;
  }
  try {
    CronExpressionParser.parse(text).next();
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `"${expression}" is not a cron expression (${reason}), e.g. "0 7 * * 1" (Mondays 07:00)`;
  }
}

const cron = z
  .string()
  .min(1, { abort: true })
  .superRefine((text, context) => {
    const problem = cronProblem(text);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem });
  });

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time such as "08:00"');

const timeZone = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), 'not an IANA time zone (e.g. "Europe/Stockholm")');

const reasonName = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'a reason name in camelCase, e.g. "meeting" or "goneForTheDay"');

const codeToken = z
  .string()
  .min(1)
  .regex(/^[\p{L}][\p{L}\p{M}\p{N}]*$/u, 'letters (and digits after the first letter) only, e.g. "MÖT"');

const codeEntry = z
  .strictObject({
    code: codeToken.describe('What employees type first in the subject, e.g. "MÖT".'),
    aliases: z
      .array(codeToken)
      .default([])
      .describe('Other spellings that mean the same code, e.g. ["MOT", "MÖTE"].'),
    reason: reasonName.describe('The reason the referral system shows, e.g. "meeting".'),
    label: z.string().min(1).describe('What the switchboard reads, e.g. "Möte".'),
    planned: z
      .boolean()
      .default(false)
      .describe('Planned absences must be in the register by the same morning (the lateEntry rule).'),
  })
  .describe('One agreed code.');

const codeEntries = z
  .array(codeEntry)
  .min(1, 'at least one code')
  .superRefine((entries, context) => {
    const firstUse = new Map<string, number>();
    entries.forEach((entry, index) => {
      const keys: [string, (string | number)[]][] = [
        [entry.code, [index, 'code']],
        ...entry.aliases.map((alias, aliasIndex): [string, (string | number)[]] => [
          alias,
          [index, 'aliases', aliasIndex],
        ]),
      ];
      for (const [key, path] of keys) {
        const normalised = normaliseCodeKey(key);
        const first = firstUse.get(normalised);
        if (first !== undefined) {
          context.addIssue({
            code: 'custom',
            path,
            message: `duplicate code "${normalised}" (already used by codes.entries[${first}])`,
          });
        } else {
          firstUse.set(normalised, index);
        }
      }
    });
  });

const fallbackReason = z.strictObject({ reason: reasonName, label: z.string().min(1) });

const codes = z
  .strictObject({
    syntax: z
      .strictObject({
        position: z
          .enum(['prefix', 'anywhere'])
          .default('prefix')
          .describe('prefix: "MÖT: Budget"; anywhere: "Budget #MÖT" with the marker.'),
        referred: z
          .array(z.string().min(1))
          .min(1)
          .default([':'])
          .describe('Separators that refer the phone.'),
        infoOnly: z
          .array(z.string().min(1))
          .default([';'])
          .describe('Separators that only show the information; calls still ring.'),
        marker: z.string().min(1).default('#').describe('With position anywhere: what marks a code.'),
        notCodes: z
          .array(z.string().min(1))
          .default(['RE', 'SV', 'FW', 'FWD', 'VB', 'AW', 'WG', 'TR'])
          .describe(
            'Code-like prefixes that are never codes and never unknown codes (reply and forward prefixes).',
          ),
      })
      .prefault({}),
    entries: codeEntries,
    private: z
      .enum(['referCodeOnly', 'skip'])
      .default('referCodeOnly')
      .describe('Private events: referred with the code label only, or not referred.'),
    fallback: z
      .partialRecord(z.enum(SHOW_AS_VALUES as [string, ...string[]]), fallbackReason)
      .default({})
      .describe('A reason for events without a code, by Outlook showAs (e.g. oof).'),
  })
  .superRefine((value, context) => {
    const overlap = value.syntax.referred.filter((separator) => value.syntax.infoOnly.includes(separator));
    for (const separator of overlap) {
      context.addIssue({
        code: 'custom',
        path: ['syntax', 'infoOnly'],
        message: `separator "${separator}" is also in referred`,
      });
    }
  });

const calendar = z.union([
  z.strictObject({
    ics: z
      .string()
      .min(1)
      .describe('An iCal feed: https://…, webcal://… or a file path (relative to this file).'),
    id: z
      .string()
      .regex(/^[\w.-]+$/)
      .optional()
      .describe('Stable id; default <employee>/ics-<n>.'),
  }),
  z.strictObject({
    graph: z.string().min(1).describe('The mailbox (UPN or object id) whose calendar Graph reads.'),
    id: z
      .string()
      .regex(/^[\w.-]+$/)
      .optional()
      .describe('Stable id; default <employee>/graph-<n>.'),
  }),
]);

const employeeId = z.string().regex(/^[\w.-]+$/, 'letters, digits, ".", "_" or "-"');

const employee = z.strictObject({
  id: employeeId,
  name: z.string().min(1),
  extension: z.string().min(1).describe('The phone extension the referral is set on, e.g. "0512-31001".'),
  manager: employeeId
    .optional()
    .describe('The id of the employee or manager who gets the late-entry report.'),
  email: z.string().email().optional().describe("Where this person's reports are mailed (managers)."),
  unit: z
    .string()
    .min(1)
    .optional()
    .describe('The unit (enhet) the switchboard can search by, e.g. "Ekonomi".'),
  calendars: z.array(calendar).default([]),
});

const directory = z
  .strictObject({
    employees: z.array(employee).default([]),
    managers: z
      .array(
        z.strictObject({
          id: employeeId,
          name: z.string().min(1),
          email: z.string().email().optional(),
        }),
      )
      .default([])
      .describe('Managers who have no calendar of their own here.'),
  })
  .superRefine((value, context) => {
    const ids = new Map<string, string>();
    value.employees.forEach((person, index) => {
      if (ids.has(person.id)) {
        context.addIssue({
          code: 'custom',
          path: ['employees', index, 'id'],
          message: `duplicate id "${person.id}"`,
        });
      }
      ids.set(person.id, `employees[${index}]`);
    });
    value.managers.forEach((person, index) => {
      if (ids.has(person.id)) {
        context.addIssue({
          code: 'custom',
          path: ['managers', index, 'id'],
          message: `duplicate id "${person.id}"`,
        });
      }
      ids.set(person.id, `managers[${index}]`);
    });
    const calendarIds = new Set<string>();
    value.employees.forEach((person, index) => {
      if (person.manager !== undefined && !ids.has(person.manager)) {
        context.addIssue({
          code: 'custom',
          path: ['employees', index, 'manager'],
          message: `unknown manager "${person.manager}": add it to directory.employees or directory.managers`,
        });
      }
      person.calendars.forEach((cal, calendarIndex) => {
        const id = cal.id ?? `${person.id}/${'ics' in cal ? 'ics' : 'graph'}-${calendarIndex + 1}`;
        if (calendarIds.has(id)) {
          context.addIssue({
            code: 'custom',
            path: ['employees', index, 'calendars', calendarIndex, 'id'],
            message: `duplicate calendar id "${id}"`,
          });
        }
        calendarIds.add(id);
      });
    });
  });

const rules = z
  .strictObject({
    lateEntry: z
      .strictObject({
        enabled: z.boolean().default(true),
        deadline: timeOfDay
          .default('08:00')
          .describe('Planned meetings must be entered by this local time on their day.'),
        countInvited: z.boolean().default(false).describe('Count meetings the employee was invited to.'),
      })
      .prefault({}),
    unknownCode: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
    missingCode: z
      .strictObject({
        enabled: z.boolean().default(false),
        workingHours: z
          .strictObject({ from: timeOfDay.default('08:00'), to: timeOfDay.default('17:00') })
          .prefault({}),
        workingDays: z
          .array(z.number().int().min(1).max(7))
          .default([1, 2, 3, 4, 5])
          .describe('ISO weekdays, 1 = Monday.'),
      })
      .prefault({}),
    findingsRetentionDays: z.number().int().positive().default(400).describe('How long findings are kept.'),
  })
  .prefault({});

const sink = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('embedded'),
    path: z.string().min(1).default('data/hanvisa.db').describe('The SQLite file (relative to this file).'),
  }),
  z.strictObject({
    kind: z.literal('rest'),
    url: z.string().url().describe("Base URL of a register that speaks hanvisa's REST contract."),
    auth: z
      .enum(['none', 'bearer', 'basic'])
      .default('none')
      .describe('Credentials from HANVISA_SINK_TOKEN or HANVISA_SINK_USER/PASSWORD.'),
  }),
]);

/** Public holidays for "åter" (the next working day after an all-day absence), by date-holidays. */
const holidays = z
  .strictObject({
    country: z.string().min(2).default('SE').describe('ISO 3166 country, e.g. SE.'),
    region: z.string().min(1).optional().describe('A region of the country where holidays differ.'),
  })
  .prefault({})
  .superRefine((value, context) => {
    const known = new Holidays();
    if (known.getCountries()[value.country] === undefined) {
      context.addIssue({ code: 'custom', path: ['country'], message: `unknown country "${value.country}"` });
    } else if (value.region !== undefined && known.getStates(value.country)?.[value.region] === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['region'],
        message: `unknown region "${value.region}" of ${value.country}`,
      });
    }
  })
  .describe('Public holidays skipped when "åter" is the next working day.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    timeZone: timeZone
      .default('Europe/Stockholm')
      .describe("The organisation's IANA zone for deadlines, all-day events and windows."),
    window: z
      .strictObject({
        pastDays: z.number().int().min(0).max(31).default(1),
        futureDays: z.number().int().min(0).max(366).default(14),
      })
      .prefault({})
      .describe(
        'The sync window: from local midnight pastDays ago to the end of the futureDays-th day ahead.',
      ),
    codes,
    rules,
    holidays,
    directory,
    sink: sink.default({ kind: 'embedded', path: 'data/hanvisa.db' }),
    register: z
      .strictObject({
        keepEndedDays: z
          .number()
          .int()
          .min(1)
          .max(3660)
          .default(31)
          .describe(
            'Referral entries are deleted this many days after they ended (in a rest register: only those hanvisa wrote).',
          ),
      })
      .prefault({})
      .describe('The lifecycle of referral entries.'),
    state: z
      .strictObject({
        path: z.string().min(1).describe('SQLite file for cursors, first-seen times and findings.'),
      })
      .optional()
      .describe("Default: the embedded sink's file, or data/hanvisa-state.db with a rest sink."),
    massDelete: z
      .strictObject({
        maxShare: z
          .number()
          .min(0)
          .max(1)
          .default(0.5)
          .describe('Refuse a snapshot that deletes more than this share.'),
        minEntries: z
          .number()
          .int()
          .min(1)
          .default(4)
          .describe('The guard applies from this many future entries.'),
      })
      .prefault({}),
    schedule: z
      .strictObject({ every: duration.default('5m').describe('Poll interval, e.g. "5m".') })
      .prefault({}),
    reports: z
      .strictObject({
        schedule: cron.default('0 7 * * 1').describe('Cron in timeZone; default Mondays 07:00.'),
        folder: z
          .string()
          .min(1)
          .default('reports')
          .describe('Where reports are written (relative to this file).'),
        mail: z
          .strictObject({
            from: z.string().email().describe('The service mailbox Graph sendMail sends from.'),
            enabled: z.boolean().default(true),
          })
          .optional(),
      })
      .prefault({}),
    server: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('Listen address; 0.0.0.0 in a container.'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .default(8080)
          .describe(
            'Port of /healthz, /readyz, /metrics and (embedded register) the REST register /referrals.',
          ),
        auth: z
          .enum(['token', 'none'])
          .default('token')
          .describe(
            'token: every register call needs a bearer token (HANVISA_API_TOKENS); none: no credential, allowed only when host is loopback.',
          ),
      })
      .prefault({})
      .describe('The HTTP listener of "hanvisa start".'),
    pages: z
      .strictObject({
        publicUrl: z
          .string()
          .url()
          .optional()
          .describe(
            'The address people open the pages at (https://… behind a proxy); default the listener. Used for the sign-in redirect and Secure cookies.',
          ),
        sessionHours: z
          .number()
          .positive()
          .max(24)
          .default(10)
          .describe('How long a sign-in lasts (a working day).'),
        oidc: z
          .strictObject({
            issuer: z.string().url().describe('Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0'),
            clientId: z.string().min(1).describe("The app registration's application (client) id."),
            redirectUri: z
              .string()
              .url()
              .optional()
              .describe('Default <publicUrl>/auth/callback; register exactly this in Entra ID.'),
            groupRoles: z
              .record(z.string().min(1), z.enum(['switchboard', 'it', 'manager', 'employee']))
              .default({})
              .describe(
                'Group object id → role, for tenants that use groups instead of app roles (needs the groups claim).',
              ),
          })
          .optional()
          .describe(
            'Sign-in through Entra ID (OpenID Connect, authorization code + PKCE); secret from HANVISA_OIDC_CLIENT_SECRET. Without it, "hanvisa start" prints a one-time sign-in link on a loopback listener.',
          ),
      })
      .prefault({})
      .describe('The pages: the switchboard board, /me, /it, /it/koder and /reports.'),
    workers: z
      .strictObject({
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(16)
          .describe('Calendars synced at once per process.'),
        shutdownDeadline: duration
          .default('25s')
          .describe('On SIGTERM: how long running jobs may finish before the process exits anyway.'),
        stalledAfter: duration
          .default('10m')
          .describe('/healthz fails when jobs wait but this process completed none for this long.'),
      })
      .prefault({})
      .describe('The distributed runtime (REDIS_URL set): BullMQ workers.'),
    mirrors: mirrorsSchema,
    notify: notifySchema,
    ics: z
      .strictObject({
        allowPrivateHosts: z
          .array(z.string().min(1))
          .default([])
          .describe('Feed hosts allowed on private addresses (on-premises Exchange).'),
        timeoutMs: z.number().int().positive().default(15_000),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
        maxRedirects: z.number().int().min(0).max(20).default(5),
        maxEventsPerFeed: z.number().int().positive().default(100_000),
        maxOccurrencesPerSeries: z.number().int().positive().default(2_000),
        recurrenceStepBudget: z.number().int().positive().default(1_000_000),
        maxZoneTransitions: z
          .number()
          .int()
          .positive()
          .default(5_000)
          .describe('Offset changes one VTIMEZONE of a feed may define (a feed over it fails).'),
        maxZoneTransitionsPerFeed: z.number().int().positive().default(20_000),
        maxDatesPerEvent: z
          .number()
          .int()
          .positive()
          .default(10_000)
          .describe('RDATE and EXDATE values one event may list.'),
      })
      .prefault({}),
    push: z
      .strictObject({
        publicUrl: z
          .string()
          .url()
          .refine(
            (text) =>
              /^https:\/\//i.test(text) ||
              /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(text),
            'Graph calls back over https only (http is accepted for a loopback test address)',
          )
          .describe(
            'Where Graph reaches this service (a reverse proxy or Azure Front Door with TLS in front of server.port); ' +
              'notifications go to <publicUrl>/graph/notifications and <publicUrl>/graph/lifecycle.',
          ),
        lifetime: duration
          .default('72h')
          .refine(
            (text) => parseDuration(text) <= 10_080 * 60_000,
            'Graph allows at most 10080m for Outlook events',
          )
          .describe(
            'How long a subscription lives before it must be renewed (Graph: at most 10,080 minutes).',
          ),
        renewBefore: duration
          .default('48h')
          .describe(
            'Renew when less than this is left; a service down for less than this loses no subscription.',
          ),
        safetyPoll: duration
          .default('1h')
          .describe(
            'With a healthy subscription a mailbox is still delta-synced this often (instead of schedule.every).',
          ),
        coalesce: duration
          .default('2s')
          .describe('Notifications for one mailbox within this window become one delta sync.'),
        maxCreatesPerSlot: z
          .number()
          .int()
          .min(1)
          .default(500)
          .describe(
            'Subscriptions created per schedule slot at most (10,000 mailboxes do not stampede Graph).',
          ),
        bodyLimit: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024)
          .describe('Largest notification body accepted, in bytes (413 beyond).'),
      })
      .refine((push) => parseDuration(push.renewBefore) < parseDuration(push.lifetime), {
        message: 'renewBefore must be shorter than lifetime',
        path: ['renewBefore'],
      })
      .optional()
      .describe(
        'Graph change notifications (push): a change reaches the register within seconds. Graph mailboxes only.',
      ),
    graph: z
      .strictObject({
        tenantId: z.string().min(1),
        clientId: z.string().min(1),
        maxConcurrency: z.number().int().positive().default(16),
        authorityHost: z.string().url().default('https://login.microsoftonline.com'),
        baseUrl: z.string().url().default('https://graph.microsoft.com/v1.0'),
        maxPageSize: z.number().int().min(1).max(1000).default(100),
        optInGroup: z.string().min(1).optional(),
        batchSize: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(20)
          .describe(
            'Graph requests of different mailboxes sent together in one JSON $batch (1 = no batching).',
          ),
        extensionFrom: z
          .enum(['directory', 'businessPhones'])
          .default('directory')
          .describe(
            "With optInGroup: where a member's extension comes from (the config directory, matched by email, or the " +
              "user's first businessPhones number); the other is the fallback.",
          ),
      })
      .optional(),
  })
  .describe('hanvisa configuration');

/** The validated configuration, defaults filled in, paths still as written. */
export type ConfigFile = z.output<typeof configSchema>;

/** The JSON Schema IT's editor reads (config/hanvisa.schema.json is generated from this). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
}
