import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../../src/domain/referral-entry.js';

export const NOW = Date.UTC(2026, 11, 1, 9, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** A calendar entry of `employee` from `start` for `hours` (instants in ms). */
export function entry(
  employee: string,
  uid: string,
  start: number,
  options: { hours?: number; label?: string; mode?: 'referred' | 'infoOnly'; reason?: string } = {},
): ReferralEntry {
  const content = {
    employee,
    extension: '0512-31001',
    reason: options.reason ?? 'meeting',
    label: options.label ?? 'Möte',
    mode: options.mode ?? ('referred' as const),
    start,
    end: start + (options.hours ?? 1) * HOUR,
  };
  const calendar = `${employee}/ics-1`;
  return {
    id: referralEntryId(employee, calendar, uid, start),
    ...content,
    source: CALENDAR_SOURCE,
    sourceRef: { calendar, uid: `hash-${uid}`, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}

/** The same entry with other times (same id: an update). */
export function moved(original: ReferralEntry, start: number, end: number): ReferralEntry {
  const content = { ...original, start, end };
  return { ...content, contentHash: referralContentHash(content) };
}
