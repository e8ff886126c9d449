import type { Plan } from '../../domain/reconcile.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

export interface ReferralQuery {
  readonly employee?: string;
  /** Entries whose `sourceRef.calendar` is this calendar. */
  readonly calendar?: string;
  readonly source?: string;
}

/**
 * Port: the referral register the switchboard reads (embedded SQLite, or a REST service).
 * Invariants: `apply` is all-or-nothing for one plan and idempotent (upsert by id, delete by
 * id; applying the same plan twice leaves the register as after once); it refuses a plan whose
 * `refused` is set. Entries carry no subject text.
 */
export interface ReferralSink {
  list(query: ReferralQuery): Promise<ReferralEntry[]>;
  apply(plan: Plan): Promise<void>;
  close(): Promise<void>;
}
