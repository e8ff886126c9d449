import type { ShowAs } from '../domain/occurrence.js';
import { LocalDays } from '../domain/rules/local-days.js';
import type { RuleEnvironment, Sightings } from '../domain/rules/rule.js';
import { createRules, evaluateRules } from '../domain/rules/rule-registry.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { StateStore } from './ports/state-store.js';
import type { RuleRunner } from './rule-hook.js';

/** The keys under which the rules remember sightings (beside the sync's own first-seen keys). */
export function sightingKeys(calendar: string, uid: string, day: string) {
  return {
    event: `rules:event\u0000${calendar}\u0000${uid}`,
    day: `rules:day\u0000${calendar}\u0000${uid}\u0000${day}`,
    planned: `rules:planned\u0000${calendar}\u0000${uid}\u0000${day}`,
  };
}

export type RuleRunnerConfig = Pick<HanvisaConfig, 'timeZone' | 'rules' | 'codes' | 'policy'>;

/**
 * Builds the rule runner the sync use case calls after applying a plan. Per round it records,
 * for every occurrence that is not cancelled, when hanvisa first saw its event and first saw
 * the event on that local day, and for planned-coded ones when it first saw them on that day
 * with a planned code (`markSeen` keeps the first time, so this is idempotent); then it runs
 * the enabled rules (pure, from src/domain/rules) over the round.
 *
 * Retention is not its business: the pruneRetention job forgets old findings and sightings.
 */
export function createRuleRunner(config: RuleRunnerConfig, state: Pick<StateStore, 'markSeen'>): RuleRunner {
  const environment: RuleEnvironment = {
    timeZone: config.timeZone,
    codes: config.codes,
    fallbackShowAs: new Set(Object.keys(config.policy.fallback) as ShowAs[]),
    privateSkipped: config.policy.private === 'skip',
  };
  const rules = createRules(config.rules, environment);
  const days = new LocalDays(config.timeZone);
  return async (observations) => {
    const { calendar, now } = observations;
    const keys: string[] = [];
    for (const occurrence of observations.occurrences) {
      if (occurrence.status === 'cancelled') continue;
      const names = sightingKeys(calendar.id, occurrence.uid, days.dayOf(occurrence.start).label);
      keys.push(names.event, names.day);
    }
    const plannedKeys = observations.coded.map((item) =>
      item.planned
        ? sightingKeys(calendar.id, item.occurrence.uid, days.dayOf(item.occurrence.start).label)
        : null,
    );
    for (const names of plannedKeys) if (names !== null) keys.push(names.planned);
    const seen = keys.length === 0 ? new Map<string, number>() : await state.markSeen(keys, now);
    const sightings = plannedKeys.map((names): Sightings | undefined =>
      names === null
        ? undefined
        : {
            event: seen.get(names.event) ?? now,
            day: seen.get(names.day) ?? now,
            planned: seen.get(names.planned) ?? now,
          },
    );
    const findings = evaluateRules(rules, {
      calendar: calendar.id,
      employee: calendar.employee,
      now,
      previousSuccessAt: observations.previousSuccessAt ?? null,
      coded: observations.coded,
      sightings,
      unknownCodes: observations.unknownCodes,
      occurrences: observations.occurrences,
    });
    return findings;
  };
}
