import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { type Occurrence, overlaps, type TimeSpan } from '../../domain/occurrence.js';
import { DEFAULT_ICS_BUDGETS, FeedBudget, type IcsBudgets } from './ics-budget.js';
import { IcsReadError } from './ics-errors.js';
import {
  type DateValue,
  type EventRecord,
  type JCalComponent,
  readEventRecord,
  supersedes,
  type Versioned,
} from './ics-event.js';
import { makeOccurrence, type ReadContext } from './ics-occurrence.js';
import { quickSkip } from './ics-quick-scan.js';
import { expandSeries } from './ics-series.js';
import { type ComponentBlock, lineAt, splitFeed } from './ics-split.js';
import { endOf, eventLength, zoneOf } from './ics-timing.js';
import { TIME, ZoneResolver } from './ics-zones.js';

export interface ReadIcsOptions {
  /** Occurrences overlapping this span are returned. */
  readonly window: TimeSpan;
  /** The configured IANA zone: all-day events, floating times and unknown TZIDs are read in it. */
  readonly timeZone: string;
  readonly budgets?: Partial<IcsBudgets>;
  /** The calendar owner's addresses (lower-case), to tell organised from invited events. */
  readonly ownerAddresses?: readonly string[];
}

export interface IcsReadResult {
  /** Occurrences overlapping the window, sorted by start (cancelled ones included, with status). */
  readonly occurrences: Occurrence[];
  /** Things the calendar's owner or IT may want to fix (an unknown TZID…); never event text. */
  readonly warnings: string[];
  /** What reading cost: VEVENTs in the feed and recurrence steps spent (tests, benchmarks). */
  readonly stats: { readonly events: number; readonly steps: number };
}

/** Feed bytes parsed per ical.js call: ~10–20 ms of work between two yields. */
const BATCH_CHARS = 64 * 1024;
const BATCH_EVENTS = 120;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

function parseJCal(text: string): unknown {
  return ICAL.parse(text) as unknown;
}

function roots(jcal: unknown): JCalComponent[] {
  if (!Array.isArray(jcal)) return [];
  if (typeof jcal[0] === 'string') return [jcal as JCalComponent];
  return jcal.filter((item): item is JCalComponent => Array.isArray(item) && typeof item[0] === 'string');
}

function syntheticUid(record: EventRecord): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([record.dtstart?.wall, record.dtstart?.tzid, record.dtend?.wall, record.summary]))
    .digest('hex');
  return `hanvisa-no-uid-${hash.slice(0, 24)}`;
}

/**
 * Reads an iCalendar feed into the occurrences overlapping `window` (DESIGN.md's records).
 *
 * How: the feed is cut into its VEVENT blocks without parsing (ics-split) and the calendar part
 * (VTIMEZONEs, X-WR-CALNAME) is parsed first. A single event whose raw DTSTART/DTEND lie far
 * from the window is skipped without parsing (ics-quick-scan); the other events are parsed with
 * ical.js in small batches, yielding to the event loop between them. Single events outside the
 * window are dropped as soon as they are read; recurring series and their RECURRENCE-ID
 * exceptions are kept, grouped by UID in one pass, and expanded after the last batch (never a
 * scan of the feed per series: that is what makes `new ICAL.Event(v)` without
 * `options.exceptions` quadratic). Memory therefore stays near
 * the size of the text plus what is kept, and the event loop is never blocked for long.
 *
 * Invariants: every instant is UTC; all-day events span local midnight to local midnight in
 * `timeZone`; a feed that cannot be read or is over a budget throws an IcsReadError (and yields
 * nothing); messages and warnings never contain event text or the feed's address.
 */
export async function readIcs(text: string, options: ReadIcsOptions): Promise<IcsReadResult> {
  const budget = new FeedBudget({ ...DEFAULT_ICS_BUDGETS, ...options.budgets });
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (!warnings.includes(message)) warnings.push(message);
  };
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/^BEGIN:VCALENDAR[ \t]*\r?$/im.test(source)) {
    throw new IcsReadError(
      'format',
      'not an iCalendar feed (no BEGIN:VCALENDAR); check that the address serves .ics',
    );
  }
  const split = await splitFeed(source, () => budget.yieldNow());
  budget.checkEventCount(split.events.length);
  await budget.yieldNow();

  let calendarRoots: JCalComponent[];
  try {
    calendarRoots = roots(parseJCal(split.residue));
  } catch (error) {
    throw new IcsReadError('format', 'the calendar part of the feed is not valid iCalendar', {
      cause: error,
    });
  }
  const vtimezones = new Map<string, JCalComponent>();
  const owners = new Set((options.ownerAddresses ?? []).map((address) => address.toLowerCase()));
  for (const root of calendarRoots) {
    for (const property of root[1] ?? []) {
      const value = typeof property[3] === 'string' ? property[3].trim().toLowerCase() : '';
      if (property[0] === 'x-wr-calname' && EMAIL.test(value)) owners.add(value);
    }
    for (const component of root[2] ?? []) {
      if (component[0] !== 'vtimezone') continue;
      const tzid = component[1].find((property) => property[0] === 'tzid')?.[3];
      if (typeof tzid === 'string') vtimezones.set(tzid, component);
    }
  }

  const occurrences: Occurrence[] = [];
  const resolver = new ZoneResolver(options.timeZone, vtimezones, warn, options.window, budget);
  const context: ReadContext = {
    window: options.window,
    resolver,
    budget,
    owners,
    warn,
    emit: (occurrence) => occurrences.push(occurrence),
  };
  // Feeds repeat an edited event now and then: per UID (and RECURRENCE-ID) the newest copy wins.
  const masters = new Map<string, { record: EventRecord; line: number }>();
  const exceptionsByUid = new Map<string, Map<string, EventRecord>>();
  const singles = new Map<string, { version: Versioned; order: number; occurrence: Occurrence | null }>();
  /** Registers a single event's copy unless a newer copy of the same UID is already known. */
  const keepSingle = (
    uid: string,
    version: Versioned,
    order: number,
    occurrence: () => Occurrence | null,
  ) => {
    const current = singles.get(uid);
    if (current !== undefined) {
      const tie =
        version.sequence === current.version.sequence &&
        (version.lastModified ?? 0) === (current.version.lastModified ?? 0);
      if (tie ? order < current.order : !supersedes(version, current.version)) return;
    }
    singles.set(uid, { version, order, occurrence: occurrence() });
  };
  // Wall-time bounds of the window with room for any zone's offset (±14 h) and DST.
  const wallFrom = options.window.from - 2 * TIME.DAY;
  const wallTo = options.window.to + 2 * TIME.DAY;

  const readSingle = (
    uid: string,
    record: EventRecord,
    start: DateValue,
    line: () => number,
  ): Occurrence | null => {
    // Far outside the window by wall time alone: no zone lookup needed.
    if (start.wall >= wallTo) return null;
    if (record.dtend !== null && record.dtend.wall < wallFrom && record.duration === null) return null;
    const zone = zoneOf(start, resolver);
    const from = zone.toInstant(start.wall);
    const length = eventLength(record, start, resolver);
    if (length === null) throw new IcsReadError('format', `line ${line()}: an event has an invalid DURATION`);
    const to = endOf(start.wall, from, length, zone);
    if (!overlaps({ start: from, end: to }, options.window)) return null;
    return makeOccurrence(context, uid, null, from, to, start.isDate, record, null);
  };

  const readBatch = (blocks: readonly ComponentBlock[]) => {
    const body = blocks.map((block) => source.slice(block.start, block.end)).join('\r\n');
    let events: JCalComponent[];
    try {
      events = roots(parseJCal(`BEGIN:VCALENDAR\r\n${body}\r\nEND:VCALENDAR\r\n`))[0]?.[2] ?? [];
    } catch {
      throw new IcsReadError('format', `line ${firstBadLine(source, blocks)}: an event cannot be parsed`);
    }
    events.forEach((vevent, index) => {
      const line = () => lineAt(source, blocks[index]?.start ?? 0);
      const record = readEventRecord(vevent);
      if (record.invalid !== null) {
        throw new IcsReadError('format', `line ${line()}: an event has an invalid ${record.invalid} value`);
      }
      budget.checkEventDates(dateCount(record));
      const uid = record.uid ?? syntheticUid(record);
      const rid = record.recurrenceId;
      if (rid !== null) {
        let byRid = exceptionsByUid.get(uid);
        if (byRid === undefined) {
          byRid = new Map();
          exceptionsByUid.set(uid, byRid);
        }
        const key = `${rid.wall}|${rid.isDate}|${rid.utc}|${rid.tzid ?? ''}`;
        const current = byRid.get(key);
        if (current === undefined || supersedes(record, current)) byRid.set(key, record);
        return;
      }
      const start = record.dtstart;
      if (start === null) throw new IcsReadError('format', `line ${line()}: an event has no DTSTART`);
      if (record.rrules.length > 0 || record.rdates.length > 0) {
        const current = masters.get(uid);
        if (current === undefined || supersedes(record, current.record)) {
          masters.set(uid, { record, line: blocks[index]?.start ?? 0 });
        }
        return;
      }
      keepSingle(uid, record, blocks[index]?.start ?? 0, () => readSingle(uid, record, start, line));
    });
  };

  let batch: ComponentBlock[] = [];
  let batchChars = 0;
  let scanned = 0;
  for (const block of split.events) {
    // Most events of a large feed are single events far from the window: skipped unparsed.
    const skipped = quickSkip(source.slice(block.start, block.end), wallFrom, wallTo);
    if (skipped !== null) {
      keepSingle(skipped.uid, skipped, block.start, () => null);
      if (++scanned % 256 === 0 && budget.shouldYield(true)) await budget.yieldNow();
      continue;
    }
    batch.push(block);
    batchChars += block.end - block.start;
    if (batchChars >= BATCH_CHARS || batch.length >= BATCH_EVENTS) {
      readBatch(batch);
      batch = [];
      batchChars = 0;
      await budget.yieldNow();
    }
  }
  if (batch.length > 0) readBatch(batch);

  for (const { occurrence } of singles.values()) if (occurrence !== null) occurrences.push(occurrence);
  for (const [uid, master] of masters) {
    const exceptions = [...(exceptionsByUid.get(uid)?.values() ?? [])];
    try {
      await expandSeries(context, uid, master.record, master.record.dtstart as DateValue, exceptions);
    } catch (error) {
      if (error instanceof IcsReadError && error.kind === 'format') {
        throw new IcsReadError('format', `line ${lineAt(source, master.line)}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    if (budget.shouldYield(true)) await budget.yieldNow();
  }
  // An instance whose series is not in the feed (an invitation to one occurrence) stands alone.
  for (const [uid, byRid] of exceptionsByUid) {
    if (masters.has(uid)) continue;
    for (const record of byRid.values()) {
      const rid = record.recurrenceId as DateValue;
      const start = record.dtstart ?? rid;
      const zone = zoneOf(start, resolver);
      const from = zone.toInstant(start.wall);
      const length = eventLength(record, start, resolver) ?? {
        nominalDays: start.isDate ? 1 : 0,
        exactMs: 0,
      };
      const to = endOf(start.wall, from, length, zone);
      if (!overlaps({ start: from, end: to }, options.window)) continue;
      const ridInstant = zoneOf(rid, resolver).toInstant(rid.wall);
      occurrences.push(makeOccurrence(context, uid, ridInstant, from, to, start.isDate, record, null));
    }
  }
  occurrences.sort(
    (a, b) => a.start - b.start || a.end - b.end || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0),
  );
  return { occurrences, warnings, stats: { events: split.events.length, steps: budget.stepsUsed } };
}

/** How many RDATE and EXDATE values an event lists. */
function dateCount(record: EventRecord): number {
  let count = 0;
  for (const property of record.rdates) count += property.length - 3;
  for (const property of record.exdates) count += property.length - 3;
  return count;
}

/** The line of the first block in a batch that ical.js cannot parse on its own. */
function firstBadLine(source: string, blocks: readonly ComponentBlock[]): number {
  for (const block of blocks) {
    try {
      parseJCal(`BEGIN:VCALENDAR\r\n${source.slice(block.start, block.end)}\r\nEND:VCALENDAR\r\n`);
    } catch {
      return lineAt(source, block.start);
    }
  }
  return lineAt(source, blocks[0]?.start ?? 0);
}
