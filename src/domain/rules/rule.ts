import type { CodeTable } from '../codes/code-table.js';
import type { CodedOccurrence, UnknownCodeSighting } from '../desired-entries.js';
import type { Instant, Occurrence, ShowAs } from '../occurrence.js';

/**
 * What hanvisa has seen of one planned-coded occurrence before, from its own first-seen
 * records (all three are "first time seen" instants, never later than the round's `now`):
 * - `event`: the event (uid) in this calendar at all, on any day;
 * - `day`: the event on this occurrence's local day, with or without a code;
 * - `planned`: the event on this local day with a planned code. This sighting is what the
 *   late-entry verdict is about: a code added later, or a move onto another day, starts a new one.
 */
export interface Sightings {
  readonly event: Instant;
  readonly day: Instant;
  readonly planned: Instant;
}

/** A rule's finding; the state store keeps it once per `key` (see `findingKey`). No subject text. */
export interface RuleFinding {
  readonly key: string;
  readonly rule: string;
  readonly kind: string;
  readonly employee: string;
  readonly calendar: string;
  readonly eventUid: string;
  readonly occurrenceStart: Instant;
  readonly foundAt: Instant;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * One calendar's round as the rules see it: what was read (coded occurrences, code-like
 * tokens, all occurrences), what hanvisa had seen before, and the context. Pure data: rules
 * read no clock and no store.
 */
export interface RuleRound {
  readonly calendar: string;
  readonly employee: string;
  readonly now: Instant;
  /** The calendar's last successful round before this one; null on its first. */
  readonly previousSuccessAt: Instant | null;
  readonly coded: readonly CodedOccurrence[];
  /** Aligned with `coded`: the sightings of each planned-coded occurrence (undefined for the others). */
  readonly sightings: readonly (Sightings | undefined)[];
  readonly unknownCodes: readonly UnknownCodeSighting[];
  readonly occurrences: readonly Occurrence[];
}

/** What every rule may know about the organisation (from the config, read once). */
export interface RuleEnvironment {
  readonly timeZone: string;
  readonly codes: CodeTable;
  /** showAs values that get a referral without a code (the config's `codes.fallback`). */
  readonly fallbackShowAs: ReadonlySet<ShowAs>;
  /** True when private events are not referred at all (`codes.private: skip`). */
  readonly privateSkipped: boolean;
}

/** A rule: a name and a pure evaluation that appends its findings to `out`. */
export interface Rule {
  readonly name: string;
  evaluate(round: RuleRound, out: RuleFinding[]): void;
}

/**
 * The identity of a finding: rule, calendar, event and occurrence start. A second cycle that
 * finds the same thing produces the same key, so the store keeps one row.
 */
export function findingKey(rule: string, calendar: string, uid: string, start: Instant): string {
  return `${rule}\u0000${calendar}\u0000${uid}\u0000${start}`;
}
