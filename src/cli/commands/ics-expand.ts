import path from 'node:path';
import { isFeedUrl } from '../../adapters/ical/ics-http.js';
import { createIcsSource } from '../../adapters/ical/ics-source.js';
import type { CodeTable } from '../../domain/codes/code-table.js';
import { parseSubject } from '../../domain/codes/parse-subject.js';
import { UsageError } from '../../domain/errors.js';
import type { Occurrence } from '../../domain/occurrence.js';
import { type Command, configFor, isoUtc, parseInstant, printJson } from '../command.js';

/** One line of `ics expand` (DESIGN.md's contract); the subject itself is never printed. */
export interface ExpandedOccurrence {
  readonly uid: string;
  readonly recurrenceId: string | null;
  readonly start: string;
  readonly end: string;
  readonly allDay: boolean;
  readonly status: Occurrence['status'];
  readonly showAs: Occurrence['showAs'];
  readonly private: boolean;
  readonly createdAt: string | null;
  readonly code: string | null;
}

/** The printed form of an occurrence: instants as ISO-8601 UTC, the code parsed from the subject. */
export function expandedOccurrence(occurrence: Occurrence, codes: CodeTable): ExpandedOccurrence {
  const parsed = parseSubject(occurrence.subject, codes);
  return {
    uid: occurrence.uid,
    recurrenceId: occurrence.recurrenceId,
    start: isoUtc(occurrence.start),
    end: isoUtc(occurrence.end),
    allDay: occurrence.allDay,
    status: occurrence.status,
    showAs: occurrence.showAs,
    private: occurrence.private,
    createdAt: occurrence.createdAt === null ? null : isoUtc(occurrence.createdAt),
    code: parsed.kind === 'code' ? parsed.definition.code : null,
  };
}

export const icsExpandCommand: Command = {
  name: 'ics expand',
  summary: 'print the occurrences of an iCal feed or file in [from, to), as hanvisa reads them',
  operands: { syntax: '[source]', description: 'an iCal file or an https:// or webcal:// feed' },
  options: {
    from: { type: 'string', value: 'time', description: 'start of the range, ISO-8601 (required)' },
    to: { type: 'string', value: 'time', description: 'end of the range, exclusive (required)' },
    'include-cancelled': {
      type: 'boolean',
      description: 'also print cancelled occurrences',
      default: 'left out',
    },
  },
  examples: [
    'hanvisa ics expand --config config/hanvisa.yaml --from 2026-03-23 --to 2026-04-06 fixtures/ical/anna.ics',
  ],
  async run(context) {
    const [address, ...extra] = context.positionals;
    if (address === undefined || extra.length > 0)
      throw new UsageError('give exactly one SOURCE (a file or a URL)');
    const fromText = context.values.from;
    const toText = context.values.to;
    if (typeof fromText !== 'string' || typeof toText !== 'string')
      throw new UsageError('--from and --to are required');
    const config = configFor(context);
    const from = parseInstant(fromText, config.timeZone, '--from');
    const to = parseInstant(toText, config.timeZone, '--to');
    if (to <= from) throw new UsageError('--to must be later than --from');
    const source = createIcsSource({ timeZone: config.timeZone, ics: config.ics });
    const result = await source.fetch(
      {
        id: 'SOURCE',
        employee: 'cli',
        kind: 'ics',
        address: isFeedUrl(address) ? address : path.resolve(address),
      },
      { from, to },
      null,
    );
    if (result.kind !== 'snapshot') throw new Error('a fetch without a cursor always reads the feed');
    for (const warning of result.warnings) context.io.stderr(`warning: ${warning}\n`);
    const includeCancelled = context.values['include-cancelled'] === true;
    printJson(
      context.io,
      result.occurrences
        .filter((occurrence) => includeCancelled || occurrence.status !== 'cancelled')
        .map((occurrence) => expandedOccurrence(occurrence, config.codes)),
    );
    return 0;
  },
};
