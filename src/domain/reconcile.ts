import { createHash } from 'node:crypto';
import type { Instant, TimeSpan } from './occurrence.js';
import {
  isCalendarOwned,
  isKeyedUid,
  type ReferralEntry,
  sameEntry,
  sourceRefUid,
} from './referral-entry.js';

/** The mass-delete guard: a snapshot may not delete more than `maxShare` of a calendar's future entries. */
export interface MassDeleteGuard {
  /** 0..1; default 0.5. */
  readonly maxShare: number;
  /** The guard applies only when the calendar has at least this many future entries (one lone meeting may go). */
  readonly minEntries: number;
}

export interface ReconcileOptions {
  readonly calendar: string;
  readonly window: TimeSpan;
  readonly now: Instant;
  readonly guard: MassDeleteGuard;
  /** Apply a plan the guard refused (`sync --force`). */
  readonly force: boolean;
  /**
   * The uid key (`sourceRefUid`): an owned entry whose `sourceRef.uid` is still a verbatim uid
   * (written by an older hanvisa) gets its keyed hash, ended or not, in the window or not.
   */
  readonly uidKey?: string;
}

/** Why a plan must not be applied. */
export interface PlanRefusal {
  readonly reason: 'massDelete';
  readonly deletes: number;
  readonly futureEntries: number;
  readonly maxShare: number;
}

/**
 * What it takes to bring the register in step with one calendar. Applying it twice changes
 * nothing: creates and updates are upserts by deterministic id, deletes are by id.
 */
export interface Plan {
  readonly calendar: string;
  readonly creates: readonly ReferralEntry[];
  readonly updates: readonly ReferralEntry[];
  readonly deletes: readonly ReferralEntry[];
  readonly unchanged: number;
  /** Set when the plan must not be applied; the counts above then say what it would have done. */
  readonly refused: PlanRefusal | null;
}

/**
 * Plans the register changes for one calendar: `desired` is what its occurrences in `window`
 * call for, `current` what the register holds. Only entries hanvisa owns for this calendar
 * (`source: calendar`, same calendar) are touched, only inside the window, and never an
 * entry that already ended (`end <= now`): history stays as it was. Entries that ended are
 * not created either; the switchboard has no use for them. An owned entry that differs from
 * the desired one in anything stored (not only its content hash: a row edited behind
 * hanvisa's back keeps its old hash) is updated. Manual entries are never in a plan, not even
 * when one holds the id a desired entry needs: that entry is then left out.
 *
 * A plan that deletes more than `guard.maxShare` of the calendar's future entries is refused
 * (unless forced): a source that suddenly returns an empty or truncated snapshot must not wipe
 * everyone's referrals.
 */
export function reconcile(
  desired: readonly ReferralEntry[],
  current: readonly ReferralEntry[],
  options: ReconcileOptions,
): Plan {
  const { calendar, window, now } = options;
  const owned = new Map<string, ReferralEntry>();
  const heldByOthers = new Set<string>();
  let futureEntries = 0;
  for (const entry of current) {
    if (!isCalendarOwned(entry) || entry.sourceRef.calendar !== calendar) {
      heldByOthers.add(entry.id);
      continue;
    }
    owned.set(entry.id, entry);
    if (entry.end > now) futureEntries++;
  }
  const creates: ReferralEntry[] = [];
  const updates: ReferralEntry[] = [];
  const deletes: ReferralEntry[] = [];
  let unchanged = 0;
  // What is left in `owned` after this loop is what the calendar no longer wants.
  for (const entry of desired) {
    const existing = owned.get(entry.id);
    if (existing === undefined) {
      // An id someone else's entry holds stays theirs (see `heldIds`).
      if (entry.end > now && !heldByOthers.has(entry.id)) creates.push(entry);
      continue;
    }
    owned.delete(entry.id);
    if (existing.end > now && !sameEntry(existing, entry)) {
      updates.push(entry);
      continue;
    }
    const scrubbed = rekeyed(existing, options.uidKey);
    if (scrubbed !== null) updates.push(scrubbed);
    else unchanged++;
  }
  for (const entry of owned.values()) {
    if (entry.end <= now || entry.start >= window.to || entry.end <= window.from) {
      const scrubbed = rekeyed(entry, options.uidKey);
      if (scrubbed !== null) updates.push(scrubbed);
      continue;
    }
    deletes.push(entry);
  }
  const refused =
    !options.force &&
    futureEntries >= options.guard.minEntries &&
    deletes.length > options.guard.maxShare * futureEntries
      ? {
          reason: 'massDelete' as const,
          deletes: deletes.length,
          futureEntries,
          maxShare: options.guard.maxShare,
        }
      : null;
  return { calendar, creates, updates, deletes, unchanged, refused };
}

/** The ids of desired entries that an entry sync does not own already holds (left out of every plan). */
export function heldIds(
  desired: readonly ReferralEntry[],
  current: readonly ReferralEntry[],
  calendar: string,
): string[] {
  const others = new Set(
    current
      .filter((entry) => !isCalendarOwned(entry) || entry.sourceRef.calendar !== calendar)
      .map((entry) => entry.id),
  );
  return desired.filter((entry) => others.has(entry.id)).map((entry) => entry.id);
}

/** The entry with its verbatim `sourceRef.uid` replaced by the keyed hash, or null when there is nothing to replace. */
function rekeyed(entry: ReferralEntry, uidKey: string | undefined): ReferralEntry | null {
  if (uidKey === undefined || isKeyedUid(entry.sourceRef.uid)) return null;
  return { ...entry, sourceRef: { ...entry.sourceRef, uid: sourceRefUid(uidKey, entry.sourceRef.uid) } };
}

/**
 * Why a plan may not be applied to a register, or null: every entry it creates, updates or
 * deletes must be one sync owns (`source: calendar`) of the plan's calendar. Sinks check this
 * before applying, so no caller can slip a manual entry into sync's write path.
 */
export function planOwnershipProblem(plan: Plan): string | null {
  for (const entry of [...plan.creates, ...plan.updates, ...plan.deletes]) {
    if (!isCalendarOwned(entry) || entry.sourceRef.calendar !== plan.calendar) {
      return `calendar ${plan.calendar}: refusing a plan that touches entry ${entry.id}, which is not a calendar entry of this calendar`;
    }
  }
  return null;
}

/**
 * A digest of what the register holds of one calendar's own entries (`source: calendar`):
 * every stored field of each, in id order. Recorded after each applied round and compared
 * before the next: a different digest means someone changed, added or deleted one of them
 * behind hanvisa's back, and the round must plan from a full read even when the calendar did
 * not change. Manual entries do not count: they are not hanvisa's to repair.
 */
export function registerDigest(entries: Iterable<ReferralEntry>, calendar: string): string {
  const owned: ReferralEntry[] = [];
  for (const entry of entries) {
    if (isCalendarOwned(entry) && entry.sourceRef.calendar === calendar) owned.push(entry);
  }
  owned.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const hash = createHash('sha256');
  for (const entry of owned) {
    // Fields joined by NUL, entries ended by a newline: no field holds either.
    hash.update(
      `${entry.id}\u0000${entry.employee}\u0000${entry.extension}\u0000${entry.reason}\u0000${entry.label}\u0000${entry.mode}\u0000${entry.start}\u0000${entry.end}\u0000${entry.sourceRef.uid}\u0000${entry.sourceRef.recurrenceId ?? '\u0001'}\u0000${entry.contentHash}\n`,
    );
  }
  return `${owned.length}:${hash.digest('hex').slice(0, 32)}`;
}

/** What the register holds of the calendar's own entries once `plan` is applied over `current`. */
export function afterPlan(current: readonly ReferralEntry[], plan: Plan): ReferralEntry[] {
  const entries = new Map(current.map((entry) => [entry.id, entry]));
  for (const entry of plan.deletes) entries.delete(entry.id);
  for (const entry of [...plan.creates, ...plan.updates]) entries.set(entry.id, entry);
  return [...entries.values()];
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.creates.length === 0 && plan.updates.length === 0 && plan.deletes.length === 0;
}
