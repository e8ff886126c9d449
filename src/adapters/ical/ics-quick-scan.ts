import { TIME, type WallTime } from './ics-zones.js';

/** What a glance at an event block without parsing it tells: a single event far from the window. */
export interface SkippedEvent {
  readonly uid: string;
  readonly sequence: number;
  readonly lastModified: number | null;
}

const FOLD = /\r?\n[ \t]/g;
const NEEDS_PARSE = /^(?:RRULE|RDATE|EXRULE|RECURRENCE-ID|DURATION)[;:]/im;
const DTSTART = /^DTSTART(?:;[^:\r\n"]*)?:(\d{8})(?:T(\d{6})(Z?))?\r?$/im;
const DTEND = /^DTEND(?:;[^:\r\n"]*)?:(\d{8})(?:T(\d{6})(Z?))?\r?$/im;
const UID = /^UID:([^\r\n\\]*)\r?$/im;
const SEQUENCE = /^SEQUENCE:(\d{1,9})\r?$/im;
const LAST_MODIFIED = /^LAST-MODIFIED:(\d{8})T(\d{6})Z?\r?$/im;
const ANY_UID = /^UID[;:]/im;
const ANY_SEQUENCE = /^SEQUENCE[;:]/im;
const ANY_LAST_MODIFIED = /^LAST-MODIFIED[;:]/im;

/** "20260329" + "023000" as wall time, or null when a field is out of range. */
function wallOf(date: string, time: string | undefined): WallTime | null {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(4, 6));
  const day = Number(date.slice(6, 8));
  const hour = time === undefined ? 0 : Number(time.slice(0, 2));
  const minute = time === undefined ? 0 : Number(time.slice(2, 4));
  const second = time === undefined ? 0 : Number(time.slice(4, 6));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // 20260230 would roll into March: such a block is parsed, and its reader says what is wrong.
  return new Date(wall).getUTCDate() === day || hour === 24 ? wall : null;
}

/**
 * Decides from the raw text whether an event block can be skipped without parsing: a single
 * event (no RRULE, RDATE, RECURRENCE-ID) whose DTSTART/DTEND lie far outside the window in
 * wall time (`wallFrom`/`wallTo` already carry room for any zone offset). Most events of a
 * large feed are such, and ical.js never has to build them. Anything unusual (a DURATION, a
 * quoted parameter, an escaped UID, a value that does not look right) returns null: the block
 * is parsed as usual, so odd input gets the parser's checks and errors.
 */
export function quickSkip(block: string, wallFrom: WallTime, wallTo: WallTime): SkippedEvent | null {
  const text = block.includes('\n ') || block.includes('\n\t') ? block.replace(FOLD, '') : block;
  if (NEEDS_PARSE.test(text)) return null;
  const start = DTSTART.exec(text);
  if (start === null) return null;
  const startWall = wallOf(start[1] as string, start[2]);
  if (startWall === null) return null;
  const isDate = start[2] === undefined;
  let far = startWall >= wallTo;
  if (!far) {
    const end = DTEND.exec(text);
    let endWall: WallTime | null;
    if (end !== null) endWall = wallOf(end[1] as string, end[2]);
    else endWall = /^DTEND[;:]/im.test(text) ? null : startWall + (isDate ? TIME.DAY : 0);
    if (endWall === null) return null;
    far = endWall < wallFrom && endWall >= startWall;
  }
  if (!far) return null;
  const uid = UID.exec(text);
  if (uid === null ? ANY_UID.test(text) : (uid[1] as string).trim() === '') return null;
  const sequence = SEQUENCE.exec(text);
  if (sequence === null && ANY_SEQUENCE.test(text)) return null;
  const modified = LAST_MODIFIED.exec(text);
  if (modified === null && ANY_LAST_MODIFIED.test(text)) return null;
  if (uid === null) return null;
  return {
    uid: uid[1] as string,
    sequence: sequence === null ? 0 : Number(sequence[1]),
    lastModified: modified === null ? null : wallOf(modified[1] as string, modified[2]),
  };
}
