import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import { type Occurrence, overlaps, type TimeSpan } from '../../domain/occurrence.js';
import type { UnreadableEvent } from '../../domain/unreadable-event.js';
import { DEFAULT_ICS_BUDGETS, FeedBudget, type IcsBudgets } from './ics-budget.js';
import { IcsReadError } from './ics-errors.js';
import {
  type DateValue,
  detach,
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
  /** Events skipped because they cannot be read (each also in `warnings`, by line). */
  readonly unreadable: UnreadableEvent[];
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
  if (!/^[ \t]*BEGIN:VCALENDAR[ \t]*\r?$/im.test(source)) {
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
    calendarRoots = roots(parseJCal(calendarPart(split.residue)));
  } catch (error) {
    throw new IcsReadError('format', 'the calendar part of the feed is not valid iCalendar', {
      cause: error,
    });
  }
  const vtimezones = new Map<string, JCalComponent>();
  const owners = new Set((options.ownerAddresses ?? []).map((address) => address.toLowerCase()));
  let hasMethod = false;
  for (const root of calendarRoots) {
    for (const property of root[1] ?? []) {
      if (property[0] === 'method') hasMethod = true;
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
    if (length === null) throw new IcsReadError('format', `an invalid DURATION (line ${line()})`);
    const to = endOf(start.wall, from, length, zone);
    if (!overlaps({ start: from, end: to }, options.window)) return null;
    return makeOccurrence(context, uid, null, from, to, start.isDate, record, null);
  };

  const unreadable: UnreadableEvent[] = [];
  /** One bad event costs one event: skipped, told by line, its UID's referrals kept. */
  const skip = (offset: number, problem: string, uid: string | null) => {
    const line = lineAt(source, offset);
    unreadable.push({ uid: uid === null ? null : detach(uid), line, problem });
    warn(
      `line ${line}: an event cannot be read (${problem}); it is skipped and its referrals are kept until it reads again`,
    );
  };
  const readBatch = (blocks: readonly ComponentBlock[]) => {
    for (const { block, vevent } of parseBlocks(source, blocks)) {
      if (vevent === null) {
        skip(block.start, 'it is not valid iCalendar', rawUid(source.slice(block.start, block.end)));
        continue;
      }
      const record = readEventRecord(vevent);
      try {
        readEvent(block, record);
      } catch (error) {
        if (!(error instanceof IcsReadError) || error.kind !== 'format') throw error;
        skip(block.start, error.message, record.uid);
      }
    }
  };
  const readEvent = (block: ComponentBlock, record: EventRecord) => {
    const line = () => lineAt(source, block.start);
    if (record.invalid !== null) throw new IcsReadError('format', `an invalid ${record.invalid} value`);
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
    if (start === null) {
      // RFC 5546: with a METHOD, a VEVENT may lack DTSTART (it then has no time to refer).
      if (hasMethod) return;
      throw new IcsReadError('format', 'no DTSTART');
    }
    if (record.rrules.length > 0 || record.rdates.length > 0) {
      const current = masters.get(uid);
      if (current === undefined || supersedes(record, current.record)) {
        masters.set(uid, { record, line: block.start });
      }
      return;
    }
    keepSingle(uid, record, block.start, () => readSingle(uid, record, start, line));
  };

  for (const block of split.broken) {
    skip(block.start, 'it is never closed with END:VEVENT', rawUid(source.slice(block.start, block.end)));
  }
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
      if (!(error instanceof IcsReadError) || error.kind !== 'format') throw error;
      skip(master.line, error.message, uid);
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
  return {
    occurrences,
    warnings,
    unreadable,
    stats: { events: split.events.length, steps: budget.stepsUsed },
  };
}

/** How many RDATE and EXDATE values an event lists. */
function dateCount(record: EventRecord): number {
  let count = 0;
  for (const property of record.rdates) count += property.length - 3;
  for (const property of record.exdates) count += property.length - 3;
  return count;
}

/**
 * The calendar part of a feed (its VEVENTs already cut out) as ical.js can parse it, read as
 * peers read it: lines outside BEGIN:VCALENDAR … END:VCALENDAR (whitespace before it, text
 * after it) and blank lines dropped, a missing END:VCALENDAR supplied.
 */
function calendarPart(residue: string): string {
  const lines: string[] = [];
  let depth = 0;
  for (const raw of residue.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const line = depth === 0 ? raw.trimStart() : raw;
    if (/^BEGIN:VCALENDAR[ \t]*$/i.test(line)) depth++;
    else if (depth === 0) continue;
    else if (/^END:VCALENDAR[ \t]*$/i.test(line)) depth--;
    lines.push(line);
  }
  for (; depth > 0; depth--) lines.push('END:VCALENDAR');
  lines.push('');
  return lines.join('\r\n');
}

const UID_LINE = /^UID(?:;[^:\r\n]*)?:([^\r\n]*)\r?$/im;

/** The UID of a block that cannot be parsed, read from its raw text (unfolded), or null. */
function rawUid(block: string): string | null {
  const match = UID_LINE.exec(block.replace(/\r?\n[ \t]/g, ''));
  const uid = match?.[1]?.trim().replace(/\\([,;\\])/g, '$1') ?? '';
  return uid === '' ? null : uid;
}

function wrap(body: string): string {
  return `BEGIN:VCALENDAR\r\n${body}\r\nEND:VCALENDAR\r\n`;
}

/**
 * The VEVENTs of a batch of blocks, each paired with its block; a block ical.js cannot parse
 * pairs with null. The batch is parsed in one call; only when that fails are its blocks parsed
 * one by one, to find the bad ones.
 */
function parseBlocks(
  source: string,
  blocks: readonly ComponentBlock[],
): { block: ComponentBlock; vevent: JCalComponent | null }[] {
  const texts = blocks.map((block) => tolerate(source.slice(block.start, block.end)));
  try {
    const events = roots(parseJCal(wrap(texts.join('\r\n'))))[0]?.[2] ?? [];
    if (events.length === blocks.length) {
      return blocks.map((block, index) => ({ block, vevent: events[index] as JCalComponent }));
    }
  } catch {
    // One of the blocks is bad: find which below.
  }
  return blocks.map((block, index) => {
    try {
      const vevent = roots(parseJCal(wrap(texts[index] as string)))[0]?.[2]?.[0];
      return { block, vevent: vevent === undefined || vevent[0] !== 'vevent' ? null : vevent };
    } catch {
      return { block, vevent: null };
    }
  });
}

const RULE_LIST_SPACE = /^((?:RRULE|EXRULE)[;:][^\r\n]*?),[ \t]+/gim;

const LEAP_MONTH_RULE = /^RRULE[;:][^\r\n]*BYMONTH=[^;\r\n]*L/im;

/**
 * What peers read although RFC 5545 does not allow it, made readable before ical.js parses
 * it: spaces after the commas of a rule's lists ("BYDAY=MO, TU"), and RFC 7529 leap months
 * ("BYMONTH=5L"), which the Gregorian calendar (no RSCALE) does not have: ical.js would read
 * 5L as May, so the leap months are dropped, and a rule left with none is dropped (the event
 * is its DTSTART alone, as RFC 7529's default SKIP=OMIT gives).
 */
function tolerate(block: string): string {
  let text = block;
  if (/^(?:RRULE|EXRULE)[;:][^\r\n]*,[ \t]/im.test(text)) {
    for (let previous = ''; previous !== text; ) {
      previous = text;
      text = text.replace(RULE_LIST_SPACE, '$1,');
    }
  }
  if (LEAP_MONTH_RULE.test(text)) text = text.replace(/^RRULE[;:][^\r\n]*\r?$/gim, withoutLeapMonths);
  return text;
}

function withoutLeapMonths(line: string): string {
  if (/RSCALE=(?!GREGORIAN)/i.test(line)) return line;
  const list = /BYMONTH=([^;\r\n]*)/i.exec(line)?.[1] ?? '';
  const months = list.split(',').filter((month) => !/L$/i.test(month.trim()));
  if (months.length === 0) return 'X-HANVISA-DROPPED-RRULE:only leap months';
  return line.replace(/BYMONTH=[^;\r\n]*/i, `BYMONTH=${months.join(',')}`);
}
