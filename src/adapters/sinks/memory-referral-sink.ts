import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError } from '../../domain/errors.js';
import type { Plan } from '../../domain/reconcile.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

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

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) {
      throw new PermanentError(
        `calendar ${plan.calendar}: refusing to apply a plan the mass-delete guard stopped`,
      );
    }
    for (const entry of [...plan.creates, ...plan.updates]) {
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
    for (const entry of plan.deletes) {
      const previous = this.entries.get(entry.id);
      if (previous === undefined) continue;
      this.entries.delete(entry.id);
      this.#byCalendar.get(previous.sourceRef.calendar)?.delete(entry.id);
    }
    this.appliedPlans++;
  }

  async close(): Promise<void> {}
}
