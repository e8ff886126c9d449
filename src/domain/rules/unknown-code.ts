import { type CodeTable, normaliseCodeKey } from '../codes/code-table.js';
import { findingKey, type Rule, type RuleEnvironment, type RuleFinding } from './rule.js';

export const UNKNOWN_CODE = 'unknownCode';

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: "MTÖ" is one step from "MÖT"). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] as number) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] as number;
}

/**
 * The configured code an unknown token most likely meant (one edit away, two for longer
 * tokens), or null. The finding stores this suggestion and never the token: the token is a
 * piece of the subject.
 */
export function suggestCode(token: string, codes: CodeTable): string | null {
  const key = normaliseCodeKey(token);
  const limit = key.length >= 5 ? 2 : 1;
  let best: { code: string; distance: number } | null = null;
  for (const definition of codes.definitions) {
    for (const candidate of [definition.code, ...definition.aliases]) {
      const distance = editDistance(key, normaliseCodeKey(candidate));
      if (distance <= limit && (best === null || distance < best.distance)) {
        best = { code: definition.code, distance };
      }
    }
  }
  return best?.code ?? null;
}

/**
 * The unknownCode rule: a code-like token at the start of a subject that is not in the code
 * table gives no referral, so the employee is told (through the report) to fix the typo. One
 * finding per occurrence; details hold the suggested code only.
 */
export function unknownCodeRule(environment: RuleEnvironment): Rule {
  const suggestions = new Map<string, string | null>();
  return {
    name: UNKNOWN_CODE,
    evaluate(round, out: RuleFinding[]) {
      for (const sighting of round.unknownCodes) {
        let suggestion = suggestions.get(sighting.token);
        if (suggestion === undefined) {
          suggestion = suggestCode(sighting.token, environment.codes);
          if (suggestions.size < 10_000) suggestions.set(sighting.token, suggestion);
        }
        out.push({
          key: findingKey(UNKNOWN_CODE, round.calendar, sighting.uid, sighting.start),
          rule: UNKNOWN_CODE,
          kind: 'unknown',
          employee: round.employee,
          calendar: round.calendar,
          eventUid: sighting.uid,
          occurrenceStart: sighting.start,
          foundAt: round.now,
          details: { suggestion },
        });
      }
    },
  };
}
