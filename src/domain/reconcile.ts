import type { Instant, TimeSpan } from './occurrence.js';
import { CALENDAR_SOURCE, type ReferralEntry } from './referral-entry.js';

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
 * not created either; the switchboard has no use for them.
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
  let futureEntries = 0;
  for (const entry of current) {
    if (entry.source !== CALENDAR_SOURCE || entry.sourceRef.calendar !== calendar) continue;
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
      if (entry.end > now) creates.push(entry);
      continue;
    }
    owned.delete(entry.id);
    if (existing.end <= now || existing.contentHash === entry.contentHash) unchanged++;
    else updates.push(entry);
  }
  for (const entry of owned.values()) {
    if (entry.end <= now || entry.start >= window.to || entry.end <= window.from) continue;
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

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.creates.length === 0 && plan.updates.length === 0 && plan.deletes.length === 0;
}
