import pino, { type DestinationStream, type Logger } from 'pino';
import { redactText } from './privacy.js';

/**
 * Field names that may hold personal data or secrets. pino removes them wherever they appear
 * (top level or one level down); `redactText` also scrubs URLs and e-mail addresses out of
 * every message string. Logs name calendars by id.
 */
export const REDACTED_PATHS = [
  'subject',
  '*.subject',
  'body',
  '*.body',
  'email',
  '*.email',
  'mail',
  '*.mail',
  'address',
  '*.address',
  'url',
  '*.url',
  'feedUrl',
  '*.feedUrl',
  'organizer',
  '*.organizer',
  'attendees',
  '*.attendees',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'token',
  '*.token',
];

/** The service's JSON logger (stderr by default, so `--json` output on stdout stays clean). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'hanvisa' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(2),
  );
}
