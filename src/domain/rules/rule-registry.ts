import { LATE_ENTRY, type LateEntrySettings, lateEntryRule } from './late-entry.js';
import { MISSING_CODE, type MissingCodeSettings, missingCodeRule } from './missing-code.js';
import type { Rule, RuleEnvironment, RuleFinding, RuleRound } from './rule.js';
import { UNKNOWN_CODE, unknownCodeRule } from './unknown-code.js';

/** The `rules:` section of the config, as the rules read it. */
export interface RulesSettings {
  readonly lateEntry: { readonly enabled: boolean } & LateEntrySettings;
  readonly unknownCode: { readonly enabled: boolean };
  readonly missingCode: { readonly enabled: boolean } & MissingCodeSettings;
}

type RuleFactory = (settings: RulesSettings, environment: RuleEnvironment) => Rule;

/** Every rule by its config name. A new rule is one file and one line here. */
export const RULES: Readonly<Record<keyof RulesSettings, RuleFactory>> = {
  [LATE_ENTRY]: (settings, environment) => lateEntryRule(settings.lateEntry, environment),
  [UNKNOWN_CODE]: (_settings, environment) => unknownCodeRule(environment),
  [MISSING_CODE]: (settings, environment) => missingCodeRule(settings.missingCode, environment),
};

/** The enabled rules, in registry order. */
export function createRules(settings: RulesSettings, environment: RuleEnvironment): Rule[] {
  return (Object.keys(RULES) as (keyof RulesSettings)[])
    .filter((name) => settings[name].enabled)
    .map((name) => RULES[name](settings, environment));
}

/** Runs every rule over one round; findings in rule order, each rule's in occurrence order. */
export function evaluateRules(rules: readonly Rule[], round: RuleRound): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const rule of rules) rule.evaluate(round, out);
  return out;
}
