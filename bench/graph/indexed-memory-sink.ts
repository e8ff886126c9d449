import type { ReferralQuery, ReferralSink } from '../../src/app/ports/referral-sink.js';
import type { Plan } from '../../src/domain/reconcile.js';
import type { ReferralEntry } from '../../src/domain/referral-entry.js';

/**
 * An in-memory register indexed by calendar, for the benchmark: the shared memory fake scans
 * every entry on each `list`, which at 10,000 calendars would measure the fake, not Graph.
 */
export class IndexedMemorySink implements ReferralSink {
  readonly #byCalendar = new Map<string, Map<string, ReferralEntry>>();

  get size(): number {
    let total = 0;
    for (const entries of this.#byCalendar.values()) total += entries.size;
    return total;
  }

  async list(query: ReferralQuery): Promise<ReferralEntry[]> {
    const calendars = query.calendar === undefined ? [...this.#byCalendar.keys()] : [query.calendar];
    const result: ReferralEntry[] = [];
    for (const calendar of calendars) {
      for (const entry of this.#byCalendar.get(calendar)?.values() ?? []) {
        if (query.employee !== undefined && entry.employee !== query.employee) continue;
        if (query.source !== undefined && entry.source !== query.source) continue;
        result.push(entry);
      }
    }
    return result;
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) throw new Error('refused plan');
    let entries = this.#byCalendar.get(plan.calendar);
    if (entries === undefined) {
      entries = new Map();
      this.#byCalendar.set(plan.calendar, entries);
    }
    for (const entry of [...plan.creates, ...plan.updates]) entries.set(entry.id, entry);
    for (const entry of plan.deletes) entries.delete(entry.id);
  }

  async close(): Promise<void> {}
}
