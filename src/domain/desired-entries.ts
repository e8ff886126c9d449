import type { CodeTable } from './codes/code-table.js';
import { parseSubject } from './codes/parse-subject.js';
import type { Instant, Occurrence, ShowAs } from './occurrence.js';
import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
  sourceRefUid,
} from './referral-entry.js';
import type { ReturnDay } from './return-day.js';

/** What to do with private events: refer them with the code's label only, or leave them out. */
export type PrivatePolicy = 'referCodeOnly' | 'skip';

export interface ReferralPolicy {
  readonly codes: CodeTable;
  readonly private: PrivatePolicy;
  /** A reason for events without a code, by their showAs (e.g. `oof` → away). */
  readonly fallback: Partial<Record<ShowAs, { readonly reason: string; readonly label: string }>>;
  /** When the person is back after an absence (the next working day after whole days); default: its end. */
  readonly returnDay?: ReturnDay;
}

/** Whose calendar this is: the employee the referrals are for. */
export interface CalendarOwner {
  readonly employee: string;
  readonly extension: string;
  readonly calendar: string;
}

/** A code-like token in a subject that is not in the code table (the token, never the subject). */
export interface UnknownCodeSighting {
  readonly uid: string;
  readonly start: Instant;
  readonly token: string;
}

/** One coded occurrence with what the rules need to know about it (no subject). */
export interface CodedOccurrence {
  readonly occurrence: Occurrence;
  readonly code: string;
  readonly planned: boolean;
  readonly entryId: string;
}

export interface DesiredEntries {
  readonly entries: ReferralEntry[];
  readonly coded: CodedOccurrence[];
  readonly unknownCodes: UnknownCodeSighting[];
}

/**
 * The referral entries a calendar's occurrences call for. Cancelled occurrences call for none;
 * private ones follow the private policy; events without a code only through a showAs fallback.
 * The subject is read for its code here and goes no further, and the uid reaches the entry only
 * as its keyed hash under `uidKey` (`sourceRefUid`).
 */
export function desiredEntries(
  occurrences: Iterable<Occurrence>,
  owner: CalendarOwner,
  policy: ReferralPolicy,
  uidKey: string,
): DesiredEntries {
  const entries: ReferralEntry[] = [];
  const coded: CodedOccurrence[] = [];
  const unknownCodes: UnknownCodeSighting[] = [];
  const seen = new Set<string>();
  for (const occurrence of occurrences) {
    if (occurrence.status === 'cancelled') continue;
    if (occurrence.private && policy.private === 'skip') continue;
    const parsed = parseSubject(occurrence.subject, policy.codes);
    let reason: string;
    let label: string;
    let mode: ReferralEntry['mode'] = 'referred';
    if (parsed.kind === 'code') {
      reason = parsed.definition.reason;
      label = parsed.definition.label;
      mode = parsed.mode;
    } else {
      if (parsed.kind === 'unknown') {
        unknownCodes.push({ uid: occurrence.uid, start: occurrence.start, token: parsed.token });
      }
      const fallback = policy.fallback[occurrence.showAs];
      if (fallback === undefined) continue;
      reason = fallback.reason;
      label = fallback.label;
    }
    const id = referralEntryId(owner.employee, owner.calendar, occurrence.uid, occurrence.start);
    if (seen.has(id)) continue;
    seen.add(id);
    const content = {
      employee: owner.employee,
      extension: owner.extension,
      reason,
      label,
      mode,
      start: occurrence.start,
      end: policy.returnDay?.(occurrence.start, occurrence.end, occurrence.allDay) ?? occurrence.end,
    };
    entries.push({
      id,
      ...content,
      source: CALENDAR_SOURCE,
      sourceRef: {
        calendar: owner.calendar,
        uid: sourceRefUid(uidKey, occurrence.uid),
        recurrenceId: occurrence.recurrenceId,
      },
      contentHash: referralContentHash(content),
    });
    if (parsed.kind === 'code') {
      coded.push({
        occurrence,
        code: parsed.definition.code,
        planned: parsed.definition.planned,
        entryId: id,
      });
    }
  }
  return { entries, coded, unknownCodes };
}
