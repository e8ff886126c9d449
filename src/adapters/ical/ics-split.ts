/** One top-level component block of a feed, as offsets into the text. */
export interface ComponentBlock {
  readonly kind: 'VEVENT' | 'VTODO' | 'VJOURNAL' | 'VFREEBUSY';
  readonly start: number;
  readonly end: number;
}

/** The feed cut into its event blocks and the rest (calendar properties, VTIMEZONEs). */
export interface SplitFeed {
  readonly events: readonly ComponentBlock[];
  /** VEVENT blocks that are never closed (the next BEGIN or the calendar's end came first). */
  readonly broken: readonly ComponentBlock[];
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
  const broken: ComponentBlock[] = [];
  const residue: string[] = [];
  let open: { kind: string; start: number } | null = null;
  let residueFrom = 0;
  // A RegExp of its own per call: another feed's split may run while this one yields.
  const boundary = new RegExp(BOUNDARY_SOURCE, 'gim');
  let matches = 0;
  const close = (block: { kind: string; start: number }, end: number, isBroken: boolean) => {
    if (block.kind === 'VEVENT')
      (isBroken ? broken : events).push({ kind: 'VEVENT', start: block.start, end });
    residue.push(text.slice(residueFrom, block.start));
    residueFrom = end;
  };
  let sliceStart = performance.now();
  for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
    if (yieldNow !== undefined && ++matches % 2048 === 0 && performance.now() - sliceStart > 20) {
      await yieldNow();
      sliceStart = performance.now();
    }
    const isBegin = (match[1] as string).toUpperCase() === 'BEGIN';
    const kind = (match[2] as string).toUpperCase();
    if (isBegin) {
      // An unfinished block ends where the next one begins: that one event is broken, not the feed.
      if (open !== null) close(open, match.index, true);
      open = { kind, start: match.index };
    } else {
      // An END without its BEGIN is dropped with the text around it (never an event).
      if (open === null || open.kind !== kind) continue;
      close(open, match.index + match[0].length, false);
      open = null;
    }
  }
  if (open !== null) {
    const calendarEnd = /^END:VCALENDAR[ \t]*\r?$/im.exec(text.slice(open.start));
    close(open, calendarEnd === null ? text.length : open.start + calendarEnd.index, true);
  }
  residue.push(text.slice(residueFrom));
  return { events, broken, residue: residue.join('') };
}
