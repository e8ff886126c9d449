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
