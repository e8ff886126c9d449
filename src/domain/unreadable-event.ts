import type { Instant } from './occurrence.js';
import { isCalendarOwned, type ReferralEntry, sourceRefUid } from './referral-entry.js';
import { findingKey, type RuleFinding } from './rules/rule.js';

/**
 * An event a source found but could not read (a bad value, a broken block): it is skipped,
 * and the referrals hanvisa holds for `uid` are kept until it reads again. `line` is where it
 * starts in the feed; `problem` says what is wrong, without any of the event's text.
 */
export interface UnreadableEvent {
  /** The event's UID when it could be found (null: nothing can be kept for it). */
  readonly uid: string | null;
  readonly line: number;
  readonly problem: string;
}

export const UNREADABLE_EVENT = 'unreadableEvent';

/**
 * The current entries a snapshot keeps although it does not describe them: those of events
 * the source could not read this round (by UID), unless the snapshot re-describes the same
 * entry. Why: one event with a bad value must not delete the referrals it gave while it read.
 */
export function entriesHeldForUnreadable(
  current: readonly ReferralEntry[],
  desired: readonly ReferralEntry[],
  unreadable: readonly UnreadableEvent[],
  uidKey: string,
): ReferralEntry[] {
  // The register holds each uid as its keyed hash (sourceRefUid), never verbatim.
  const uids = new Set(
    unreadable.flatMap((event) => (event.uid === null ? [] : [sourceRefUid(uidKey, event.uid)])),
  );
  if (uids.size === 0) return [];
  const described = new Set(desired.map((entry) => entry.id));
  return current.filter(
    (entry) => isCalendarOwned(entry) && uids.has(entry.sourceRef.uid) && !described.has(entry.id),
  );
}

/**
 * One finding per unreadable event, for IT (shown with the other findings in reports): the
 * line and the problem, never event text or its uid. Stored once per calendar and event (or line, when
 * the event has no UID); `occurrenceStart` is the round that first found it.
 */
export function unreadableEventFindings(
  calendar: string,
  employee: string,
  unreadable: readonly UnreadableEvent[],
  now: Instant,
  uidKey: string,
): RuleFinding[] {
  return unreadable.map((event) => {
    // Named by the uid's keyed hash, as the register and the other findings do: no uid in a report.
    const eventUid = event.uid === null ? '' : sourceRefUid(uidKey, event.uid);
    return {
      key: findingKey(UNREADABLE_EVENT, calendar, eventUid || `line ${event.line}`, 0),
      rule: UNREADABLE_EVENT,
      kind: 'ics',
      employee,
      calendar,
      eventUid,
      occurrenceStart: now,
      foundAt: now,
      details: { line: event.line, problem: event.problem },
    };
  });
}
