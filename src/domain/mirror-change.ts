import type { Instant } from './occurrence.js';
import type { ReferralEntry } from './referral-entry.js';

/**
 * What happened to a register entry, as the mirrors hear it: written (`created`, `updated`,
 * `deleted`) or reached in time (`current` at its start, `ended` at its end).
 */
export type MirrorChangeKind = 'created' | 'updated' | 'deleted' | 'current' | 'ended';

/** A change to record, before it has a version: what happened, to which entry, and when. */
export interface PlannedChange {
  readonly change: MirrorChangeKind;
  readonly entry: ReferralEntry;
  /** When the change happens: the write's `now`, or the entry's start or end. */
  readonly occurredAt: Instant;
}

/**
 * The changes one register write means for the mirrors. A create or update is recorded at
 * `now`, and so are the moments still ahead of it: `current` at the start (when it lies in the
 * future) and `ended` at the end (when it lies in the future). A delete is recorded at `now`.
 * `previous` and `next` are the entry before and after the write (null: absent). An unchanged
 * entry (same content hash) means no change at all, so applying a plan twice records nothing.
 *
 * The store cancels still-future `current`/`ended` moments of an entry on its next write: they
 * did not happen, and the write records the moments that will.
 */
export function plannedChanges(
  previous: ReferralEntry | null,
  next: ReferralEntry | null,
  now: Instant,
): PlannedChange[] {
  if (next === null) {
    return previous === null ? [] : [{ change: 'deleted', entry: previous, occurredAt: now }];
  }
  if (previous !== null && previous.contentHash === next.contentHash) return [];
  const changes: PlannedChange[] = [
    { change: previous === null ? 'created' : 'updated', entry: next, occurredAt: now },
  ];
  if (next.start > now && next.start < next.end)
    changes.push({ change: 'current', entry: next, occurredAt: next.start });
  if (next.end > now) changes.push({ change: 'ended', entry: next, occurredAt: next.end });
  return changes;
}

/** Whether an entry is in force at `now` ("away until `end`"). */
export function isCurrent(entry: Pick<ReferralEntry, 'start' | 'end'>, now: Instant): boolean {
  return entry.start <= now && now < entry.end;
}

/**
 * The next retry of a failed delivery: exponential from `baseMs` (doubled per attempt, capped at
 * `maxMs`), with jitter in [½, 1] of the step from `random`, and never sooner than the other
 * side's `Retry-After`.
 */
export function retryDelayMs(
  attempts: number,
  options: { baseMs: number; maxMs: number; retryAfterMs: number | null; random: number },
): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(step / 2 + (step / 2) * options.random);
  return Math.max(jittered, options.retryAfterMs ?? 0);
}
