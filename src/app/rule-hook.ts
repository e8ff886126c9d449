import type { CodedOccurrence, UnknownCodeSighting } from '../domain/desired-entries.js';
import type { Instant, Occurrence, TimeSpan } from '../domain/occurrence.js';
import type { CalendarRef } from './ports/calendar-source.js';
import type { Finding } from './ports/state-store.js';

/** What one sync round saw of a calendar, for the rules (no subject text). */
export interface RoundObservations {
  readonly calendar: CalendarRef;
  readonly window: TimeSpan;
  readonly now: Instant;
  readonly coded: readonly CodedOccurrence[];
  readonly unknownCodes: readonly UnknownCodeSighting[];
  /** First time hanvisa saw each coded occurrence on its start, by `firstSeenKey`. */
  readonly firstSeen: ReadonlyMap<string, Instant>;
  /** Every occurrence of the round (for rules about uncoded time, such as missingCode). */
  readonly occurrences: readonly Occurrence[];
  /** The calendar's last successful round before this one (null on its first): rules judge what is new since. */
  readonly previousSuccessAt?: Instant | null;
}

/**
 * Turns a round's observations into findings; the sync use case stores them once by key.
 * May be async: the runner records its own sightings in the state store before judging.
 */
export type RuleRunner = (observations: RoundObservations) => Finding[] | Promise<Finding[]>;

/**
 * The key under which hanvisa remembers when it first saw a coded occurrence: calendar, event,
 * start and code. A code added later, or an occurrence moved onto another day, is a new key, so
 * its first-seen time is the time of that change.
 */
export function firstSeenKey(calendar: string, uid: string, start: Instant, code: string): string {
  return `${calendar}\u0000${uid}\u0000${start}\u0000${code}`;
}
