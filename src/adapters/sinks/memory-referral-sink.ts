import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { type Plan, planOwnershipProblem } from '../../domain/reconcile.js';
import { isCalendarOwned, type ReferralEntry } from '../../domain/referral-entry.js';

/**
 * In-memory register: the fake for tests and benchmarks, held to the same contract as the real
 * ones. Indexed by calendar like the SQLite register, so a benchmark over 10,000 calendars
 * measures hanvisa and not a fake that scans every entry on each `list`.
 */
export class MemoryReferralSink implements ReferralSink {
  readonly entries = new Map<string, ReferralEntry>();
  readonly #byCalendar = new Map<string, Set<string>>();
  /** How many plans were applied (tests check that refused or failed rounds applied none). */
  appliedPlans = 0;

  async list(query: ReferralQuery): Promise<ReferralEntry[]> {
    const ids =
      query.calendar === undefined ? this.entries.keys() : (this.#byCalendar.get(query.calendar) ?? []);
    const result: ReferralEntry[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry === undefined) continue;
      if (query.employee !== undefined && entry.employee !== query.employee) continue;
      if (query.source !== undefined && entry.source !== query.source) continue;
      result.push(entry);
    }
    return result.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
  }

  async get(id: string): Promise<ReferralEntry | null> {
    return this.entries.get(id) ?? null;
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) {
      throw new PermanentError(
        `calendar ${plan.calendar}: refusing to apply a plan the mass-delete guard stopped`,
      );
    }
    const problem = planOwnershipProblem(plan);
    if (problem !== null) throw new PermanentError(problem);
    for (const entry of [...plan.creates, ...plan.updates]) {
      const previous = this.entries.get(entry.id);
      // Never overwrite someone else's entry, even one that took a calendar entry's id.
      if (previous !== undefined && !isCalendarOwned(previous)) continue;
      this.#put(entry);
    }
    for (const entry of plan.deletes) {
      const previous = this.entries.get(entry.id);
      if (previous === undefined || !isCalendarOwned(previous)) continue;
      this.#remove(previous);
    }
    this.appliedPlans++;
  }

  /** Writes one entry as it is, whatever its source (tests use it as "the register API" or "behind hanvisa's back"). */
  put(entry: ReferralEntry): void {
    this.#put(entry);
  }

  /** Deletes one entry by id, whatever its source; returns whether it was there. */
  remove(id: string): boolean {
    const previous = this.entries.get(id);
    if (previous === undefined) return false;
    this.#remove(previous);
    return true;
  }

  async ownedCalendars(): Promise<string[]> {
    const calendars = new Set<string>();
    for (const entry of this.entries.values()) {
      if (isCalendarOwned(entry)) calendars.add(entry.sourceRef.calendar);
    }
    return [...calendars].sort();
  }

  async pruneEnded(before: Instant): Promise<number> {
    let pruned = 0;
    for (const entry of [...this.entries.values()]) {
      if (entry.end < before) {
        this.#remove(entry);
        pruned++;
      }
    }
    return pruned;
  }

  #put(entry: ReferralEntry): void {
    const previous = this.entries.get(entry.id);
    if (previous !== undefined) this.#byCalendar.get(previous.sourceRef.calendar)?.delete(entry.id);
    this.entries.set(entry.id, entry);
    let ids = this.#byCalendar.get(entry.sourceRef.calendar);
    if (ids === undefined) {
      ids = new Set();
      this.#byCalendar.set(entry.sourceRef.calendar, ids);
    }
    ids.add(entry.id);
  }

  #remove(entry: ReferralEntry): void {
    this.entries.delete(entry.id);
    this.#byCalendar.get(entry.sourceRef.calendar)?.delete(entry.id);
  }

  async close(): Promise<void> {}
}
