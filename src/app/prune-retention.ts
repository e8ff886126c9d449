import { DateTime } from 'luxon';
import type { Instant } from '../domain/occurrence.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { StateStore } from './ports/state-store.js';

export interface RetentionDependencies {
  readonly config: Pick<HanvisaConfig, 'timeZone' | 'rules' | 'register'>;
  readonly state: Pick<StateStore, 'pruneFindings' | 'pruneSeen'>;
  readonly sink: Pick<ReferralSink, 'pruneEnded'>;
}

/** The one cutoff of each kind of retention, as instants: what is older goes. */
export interface RetentionCutoffs {
  /** Findings whose occurrence started before this (`rules.findingsRetentionDays`). */
  readonly findings: Instant;
  /** First-seen times recorded before this: kept as long as findings, which are judged from them. */
  readonly seen: Instant;
  /** Register entries that ended before this (`register.keepEndedDays`). */
  readonly ended: Instant;
}

export interface RetentionResult {
  readonly findings: number;
  readonly seen: number;
  readonly ended: number;
}

/**
 * The cutoffs for `now`: local midnight of today in `timeZone`, that many calendar days back
 * (Luxon, so a DST change in between neither keeps nor drops an hour). The same `now` gives
 * the same cutoffs in every process and runtime, however often it runs in a day.
 */
export function retentionCutoffs(
  config: Pick<HanvisaConfig, 'timeZone' | 'rules' | 'register'>,
  now: Instant,
): RetentionCutoffs {
  const today = DateTime.fromMillis(now, { zone: config.timeZone }).startOf('day');
  const findings = today.minus({ days: config.rules.findingsRetentionDays }).toMillis();
  return {
    findings,
    seen: findings,
    ended: today.minus({ days: config.register.keepEndedDays }).toMillis(),
  };
}

/**
 * Retention, in one job for both runtimes: findings past `rules.findingsRetentionDays`, the
 * first-seen times as old, and register entries that ended more than `register.keepEndedDays`
 * ago (in a rest register only those hanvisa wrote; see `ReferralSink.pruneEnded`).
 * Idempotent: a second run with the same `now` deletes nothing more, so it may run once a day
 * or every cycle, in any process.
 */
export async function pruneRetention(deps: RetentionDependencies, now: Instant): Promise<RetentionResult> {
  const cutoffs = retentionCutoffs(deps.config, now);
  const findings = await deps.state.pruneFindings(cutoffs.findings);
  const seen = await deps.state.pruneSeen(cutoffs.seen);
  const ended = await deps.sink.pruneEnded(cutoffs.ended);
  return { findings, seen, ended };
}
