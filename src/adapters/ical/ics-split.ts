import { IcsReadError } from './ics-errors.js';

/** One top-level component block of a feed, as offsets into the text. */
export interface ComponentBlock {
  readonly kind: 'VEVENT' | 'VTODO' | 'VJOURNAL' | 'VFREEBUSY';
  readonly start: number;
  readonly end: number;
}

/** The feed cut into its event blocks and the rest (calendar properties, VTIMEZONEs). */
export interface SplitFeed {
  readonly events: readonly ComponentBlock[];
  /** The feed without its VEVENT/VTODO/VJOURNAL/VFREEBUSY blocks: small, parsed in one go. */
  readonly residue: string;
}

const BOUNDARY_SOURCE = '^(BEGIN|END):(VEVENT|VTODO|VJOURNAL|VFREEBUSY)[ \\t]*\\r?$';

/** The 1-based line number of an offset (only computed for error messages). */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1))
    line++;
  return line;
}

/**
 * Cuts a feed into its component blocks without parsing it (yielding now and then when given
 * `yieldNow`). Why: ical.js parses a whole feed
 * into one tree (20 MB of text is several times that in memory, and one parse call blocks the
 * event loop for seconds); parsing the events in small batches keeps memory to what is kept
 * and lets the reader yield between batches. Content lines cannot contain a raw line break
 * (RFC 5545 escapes it), so a line that is exactly BEGIN:VEVENT is a block boundary.
 */
export async function splitFeed(text: string, yieldNow?: () => Promise<void>): Promise<SplitFeed> {
  const events: ComponentBlock[] = [];
  const residue: string[] = [];
  let open: { kind: string; start: number } | null = null;
  let residueFrom = 0;
  // A RegExp of its own per call: another feed's split may run while this one yields.
  const boundary = new RegExp(BOUNDARY_SOURCE, 'gim');
  let matches = 0;
  let sliceStart = performance.now();
  for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
    if (yieldNow !== undefined && ++matches % 2048 === 0 && performance.now() - sliceStart > 20) {
      await yieldNow();
      sliceStart = performance.now();
    }
    const isBegin = (match[1] as string).toUpperCase() === 'BEGIN';
    const kind = (match[2] as string).toUpperCase();
    if (isBegin) {
      if (open !== null) {
        throw new IcsReadError(
          'format',
          `line ${lineAt(text, match.index)}: BEGIN:${kind} inside an unfinished ${open.kind}; the feed is malformed`,
        );
      }
      open = { kind, start: match.index };
    } else {
      if (open === null || open.kind !== kind) {
        throw new IcsReadError(
          'format',
          `line ${lineAt(text, match.index)}: END:${kind} without its BEGIN; the feed is malformed`,
        );
      }
      const end = match.index + match[0].length;
      if (kind === 'VEVENT') events.push({ kind: 'VEVENT', start: open.start, end });
      residue.push(text.slice(residueFrom, open.start));
      residueFrom = end;
      open = null;
    }
  }
  if (open !== null) {
    throw new IcsReadError(
      'format',
      `line ${lineAt(text, open.start)}: BEGIN:${open.kind} is never closed; the feed is truncated or malformed`,
    );
  }
  residue.push(text.slice(residueFrom));
  return { events, residue: residue.join('') };
}
