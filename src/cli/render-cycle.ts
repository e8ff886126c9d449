import { DateTime } from 'luxon';
import type { CalendarSyncResult } from '../app/sync-calendar.js';
import type { CycleSummary } from '../app/sync-cycle.js';
import type { Instant } from '../domain/occurrence.js';
import type { ReferralEntry } from '../domain/referral-entry.js';
import { referralText, swedishDay } from '../domain/referral-text.js';
import { isoUtc } from './command.js';

/** An entry as hanvisa's JSON outputs show it: instants in ISO UTC, plus what the switchboard reads. */
export function entryJson(entry: ReferralEntry, timeZone: string) {
  return {
    id: entry.id,
    employee: entry.employee,
    extension: entry.extension,
    reason: entry.reason,
    label: entry.label,
    mode: entry.mode,
    start: isoUtc(entry.start),
    end: isoUtc(entry.end),
    text: referralText(entry.label, entry.start, entry.end, timeZone),
    source: entry.source,
    sourceRef: entry.sourceRef,
    contentHash: entry.contentHash,
  };
}

/** One human line per referral: who, extension, what the switchboard says, when. */
export function entryLine(prefix: string, entry: ReferralEntry, timeZone: string): string {
  const mode = entry.mode === 'infoOnly' ? ' (endast info, samtal kopplas fram)' : '';
  const text = referralText(entry.label, entry.start, entry.end, timeZone);
  return `${prefix} ${entry.employee} (${entry.extension}) ${swedishDay(entry.start, timeZone)}: ${text}${mode}`;
}

/** The human rendering of one cycle: what was referred, what failed, and a summary line. */
export function renderCycle(
  results: readonly CalendarSyncResult[],
  summary: CycleSummary,
  timeZone: string,
  now: Instant,
): string {
  const lines: string[] = [];
  for (const result of results) {
    for (const entry of result.changes.created) lines.push(entryLine('+', entry, timeZone));
    for (const entry of result.changes.updated) lines.push(entryLine('~', entry, timeZone));
    for (const warning of result.warnings) lines.push(`? ${result.calendar}: ${warning}`);
  }
  for (const error of summary.errors) lines.push(`! ${error.message}`);
  const at = DateTime.fromMillis(now, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm');
  lines.push(
    `${at} cycle: ${summary.calendars} calendars, ${summary.created} created, ${summary.updated} updated, ` +
      `${summary.deleted} deleted, ${summary.unchanged} unchanged, ${summary.failed} failed`,
  );
  return `${lines.join('\n')}\n`;
}
