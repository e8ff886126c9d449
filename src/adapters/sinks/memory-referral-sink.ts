import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError } from '../../domain/errors.js';
import type { Plan } from '../../domain/reconcile.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

/** In-memory register: the fake for tests and benchmarks, held to the same contract as the real ones. */
export class MemoryReferralSink implements ReferralSink {
  readonly entries = new Map<string, ReferralEntry>();
  /** How many plans were applied (tests check that refused or failed rounds applied none). */
  appliedPlans = 0;

  async list(query: ReferralQuery): Promise<ReferralEntry[]> {
    return [...this.entries.values()]
      .filter(
        (entry) =>
          (query.employee === undefined || entry.employee === query.employee) &&
          (query.calendar === undefined || entry.sourceRef.calendar === query.calendar) &&
          (query.source === undefined || entry.source === query.source),
      )
      .sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) {
      throw new PermanentError(
        `calendar ${plan.calendar}: refusing to apply a plan the mass-delete guard stopped`,
      );
    }
    for (const entry of [...plan.creates, ...plan.updates]) this.entries.set(entry.id, entry);
    for (const entry of plan.deletes) this.entries.delete(entry.id);
    this.appliedPlans++;
  }

  async close(): Promise<void> {}
}
