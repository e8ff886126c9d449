import { z } from 'zod';
import { PRESENCE_PAIRS } from '../../domain/presence-pairs.js';

/**
 * The `mirrors` and `notify` sections of hanvisa.yaml (issue 12): systems the register is
 * mirrored to, and the word to the employee about a mistyped code. Part of the one config
 * schema (config-schema.ts includes them); resolved into milliseconds by `resolveMirrors`.
 */

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

function parse(text: string): number {
  const match = DURATION.exec(text) as RegExpExecArray;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const duration = z
  .string()
  .regex(DURATION, { message: 'a duration such as "90s", "5m" or "24h"', abort: true })
  .refine((text) => parse(text) > 0, 'must be longer than zero');

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time such as "08:00"');

const pairText = PRESENCE_PAIRS.map(([availability, activity]) => `${availability}/${activity}`).join(', ');

const presencePair = z
  .strictObject({ availability: z.string(), activity: z.string() })
  .refine(
    (pair) => PRESENCE_PAIRS.some(([a, b]) => a === pair.availability && b === pair.activity),
    `Graph accepts these availability/activity pairs only: ${pairText}`,
  );

const retry = z
  .strictObject({
    deadAfter: duration
      .default('24h')
      .describe('A change not delivered this long after it happened is parked as dead (a finding IT sees).'),
    first: duration.default('5s').describe('First retry pause; doubled per attempt, with jitter.'),
    max: duration.default('15m').describe('Longest pause between two tries.'),
  })
  .prefault({});

const mirrorName = z
  .string()
  .regex(/^[a-zA-Z][\w-]{0,39}$/, 'letters, digits, "_" or "-", starting with a letter');

const teamsPresence = z.strictObject({
  kind: z.literal('teamsPresence'),
  name: mirrorName.optional().describe('Default "teams"; a metrics label.'),
  presence: z
    .record(z.string(), presencePair)
    .default({
      meeting: { availability: 'Busy', activity: 'Busy' },
      vacation: { availability: 'Away', activity: 'Away' },
    })
    .describe('Availability/activity per reason while a referred entry is current.'),
  fallback: presencePair
    .default({ availability: 'Away', activity: 'Away' })
    .describe('For reasons not listed in presence.'),
  statusMessage: z
    .boolean()
    .default(true)
    .describe('Also set the status message ("Möte, åter 14.30"); a message the user wrote is never touched.'),
  requestsPer30s: z
    .number()
    .int()
    .min(1)
    .max(1500)
    .default(1500)
    .describe("Graph's presence limit is 1,500 requests per 30 s per app and tenant."),
  retry,
});

const webhook = z.strictObject({
  kind: z.literal('webhook'),
  name: mirrorName.optional().describe('Default "webhook"; a metrics label.'),
  url: z.string().url().describe('Where each change is POSTed as signed JSON.'),
  secretEnv: z
    .string()
    .regex(/^HANVISA_WEBHOOK_SECRET\w*$/, 'an environment variable named HANVISA_WEBHOOK_SECRET…')
    .default('HANVISA_WEBHOOK_SECRET')
    .describe('The environment variable holding the HMAC-SHA256 secret.'),
  timeoutMs: z.number().int().positive().default(10_000),
  retry,
});

export const mirrorsSchema = z
  .array(z.discriminatedUnion('kind', [teamsPresence, webhook]))
  .default([])
  .superRefine((mirrors, context) => {
    const names = new Set<string>();
    mirrors.forEach((mirror, index) => {
      const name = mirror.name ?? (mirror.kind === 'teamsPresence' ? 'teams' : 'webhook');
      if (names.has(name) || name === 'notify')
        context.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate mirror name "${name}": give each mirror its own name`,
        });
      names.add(name);
    });
  })
  .describe('Systems the register is mirrored to: Teams presence, signed webhooks.');

const officeHours = z
  .strictObject({
    from: timeOfDay.default('08:00'),
    to: timeOfDay.default('17:00'),
    days: z
      .array(z.number().int().min(1).max(7))
      .default([1, 2, 3, 4, 5])
      .describe('ISO weekdays, 1 = Monday.'),
  })
  .prefault({});

export const notifySchema = z
  .strictObject({
    unknownCode: z
      .strictObject({
        enabled: z
          .boolean()
          .optional()
          .describe('Mail the employee about an unknown code; default on when reports.mail is set.'),
      })
      .prefault({}),
    lateEntry: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Also mail the employee about a planned meeting entered late.'),
      })
      .prefault({}),
    officeHours: officeHours.describe('Mails wait for these local hours.'),
    manualUrl: z.string().url().optional().describe('The code manual the mail links to.'),
    retry,
  })
  .prefault({})
  .describe('A word to the employee (Swedish mail through Graph sendMail from reports.mail.from).');

export type MirrorsSection = z.output<typeof mirrorsSchema>;
export type NotifySection = z.output<typeof notifySchema>;

export interface RetrySettings {
  readonly deadAfterMs: number;
  readonly firstMs: number;
  readonly maxMs: number;
}

export type MirrorSettings =
  | (Omit<Extract<MirrorsSection[number], { kind: 'teamsPresence' }>, 'retry' | 'name'> & {
      readonly name: string;
      readonly retry: RetrySettings;
    })
  | (Omit<Extract<MirrorsSection[number], { kind: 'webhook' }>, 'retry' | 'name'> & {
      readonly name: string;
      readonly retry: RetrySettings;
    });

export interface NotifySettings {
  readonly unknownCode: boolean;
  readonly lateEntry: boolean;
  readonly officeHours: { readonly from: string; readonly to: string; readonly days: readonly number[] };
  readonly manualUrl: string | null;
  readonly retry: RetrySettings;
}

function retrySettings(section: { deadAfter: string; first: string; max: string }): RetrySettings {
  return { deadAfterMs: parse(section.deadAfter), firstMs: parse(section.first), maxMs: parse(section.max) };
}

/** The mirrors with names and durations resolved. */
export function resolveMirrors(mirrors: MirrorsSection): MirrorSettings[] {
  return mirrors.map(
    (mirror) =>
      ({
        ...mirror,
        name: mirror.name ?? (mirror.kind === 'teamsPresence' ? 'teams' : 'webhook'),
        retry: retrySettings(mirror.retry),
      }) as MirrorSettings,
  );
}

/** The notify section resolved: unknownCode defaults to on when report mail is set and enabled. */
export function resolveNotify(notify: NotifySection, mailEnabled: boolean): NotifySettings {
  return {
    unknownCode: notify.unknownCode.enabled ?? mailEnabled,
    lateEntry: notify.lateEntry.enabled,
    officeHours: notify.officeHours,
    manualUrl: notify.manualUrl ?? null,
    retry: retrySettings(notify.retry),
  };
}
