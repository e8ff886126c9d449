import type { Occurrence } from '../occurrence.js';
import { LocalDays, parseTimeOfDay } from './local-days.js';
import { findingKey, type Rule, type RuleEnvironment, type RuleFinding } from './rule.js';

export const MISSING_CODE = 'missingCode';

export interface MissingCodeSettings {
  readonly workingHours: { readonly from: string; readonly to: string };
  /** ISO weekdays, 1 = Monday. */
  readonly workingDays: readonly number[];
}

/** Local days an occurrence may span before the rule stops looking (a long leave is one finding anyway). */
const MAX_DAYS = 31;

/**
 * True when [start, end) overlaps working hours on a working day in the zone. All-day and
 * multi-day occurrences are checked day by day (at most a month).
 */
export function overlapsWorkingTime(
  occurrence: Pick<Occurrence, 'start' | 'end'>,
  settings: MissingCodeSettings,
  days: LocalDays,
): boolean {
  const from = parseTimeOfDay(settings.workingHours.from);
  const to = parseTimeOfDay(settings.workingHours.to);
  const end = occurrence.end > occurrence.start ? occurrence.end : occurrence.start + 1;
  let day = days.dayOf(occurrence.start);
  for (let count = 0; count < MAX_DAYS && day.start < end; count++) {
    if (settings.workingDays.includes(day.weekday)) {
      const workStart = days.at(day, from);
      const workEnd = days.at(day, to);
      if (occurrence.start < workEnd && end > workStart) return true;
    }
    day = days.dayOf(day.end);
  }
  return false;
}

/**
 * The missingCode rule (off by default): busy or out-of-office time inside working hours with
 * no code and no showAs fallback leaves the phone unreferred ("vid frånvaro ska telefonen
 * alltid hänvisas"). An occurrence is judged once it has started, so an employee who adds the
 * code in time is never reported. Occurrences with an unknown code are the unknownCode rule's.
 */
export function missingCodeRule(settings: MissingCodeSettings, environment: RuleEnvironment): Rule {
  const days = new LocalDays(environment.timeZone);
  return {
    name: MISSING_CODE,
    evaluate(round, out: RuleFinding[]) {
      if (round.occurrences.length === 0) return;
      const handled = new Set<string>();
      for (const item of round.coded) handled.add(`${item.occurrence.uid}\u0000${item.occurrence.start}`);
      for (const item of round.unknownCodes) handled.add(`${item.uid}\u0000${item.start}`);
      for (const occurrence of round.occurrences) {
        if (occurrence.status === 'cancelled' || occurrence.start > round.now) continue;
        if (occurrence.showAs !== 'busy' && occurrence.showAs !== 'oof') continue;
        if (environment.fallbackShowAs.has(occurrence.showAs)) continue;
        if (occurrence.private && environment.privateSkipped) continue;
        if (handled.has(`${occurrence.uid}\u0000${occurrence.start}`)) continue;
        if (!overlapsWorkingTime(occurrence, settings, days)) continue;
        out.push({
          key: findingKey(MISSING_CODE, round.calendar, occurrence.uid, occurrence.start),
          rule: MISSING_CODE,
          kind: occurrence.showAs,
          employee: round.employee,
          calendar: round.calendar,
          eventUid: occurrence.uid,
          occurrenceStart: occurrence.start,
          foundAt: round.now,
          details: { showAs: occurrence.showAs, occurrenceEnd: occurrence.end, allDay: occurrence.allDay },
        });
      }
    },
  };
}
