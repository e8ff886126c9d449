import type { Instant, Occurrence } from '../occurrence.js';
import { LocalDays } from './local-days.js';
import { findingKey, type Rule, type RuleEnvironment, type RuleFinding, type Sightings } from './rule.js';

export const LATE_ENTRY = 'lateEntry';

export interface LateEntrySettings {
  /** Local time of day, e.g. `08:00`. */
  readonly deadline: string;
  /** Whether invited meetings count in totals; they are recorded (kind `invited`) either way. */
  readonly countInvited: boolean;
}

/** Where `enteredAt` came from: the source's creation or modification time, or hanvisa's first sighting. */
export type EnteredAtBasis = 'created' | 'modified' | 'firstSeen';

export type LateEntryKind = 'late' | 'retroactive' | 'invited';

/** The verdict on one planned occurrence. */
export interface LateEntryVerdict {
  readonly enteredAt: Instant;
  readonly deadline: Instant;
  readonly basis: EnteredAtBasis;
  readonly approximate: boolean;
  readonly late: boolean;
  readonly retroactive: boolean;
  readonly invited: boolean;
  /** Null when on time; otherwise `invited` (the employee did not organise it), `retroactive` or `late`. */
  readonly kind: LateEntryKind | null;
}

/** The round a verdict is given in: its clock and the calendar's previous successful round. */
export interface LateEntryRound {
  readonly now: Instant;
  readonly previousSuccessAt: Instant | null;
}

export type LateEntryFacts = Pick<
  Occurrence,
  'start' | 'recurrenceId' | 'createdAt' | 'modifiedAt' | 'organizerIsSelf'
>;

/**
 * When a planned occurrence was entered, and whether that was too late. Pure: everything comes
 * in as arguments.
 *
 * The deadline is the earlier of the start and the start day's deadline time in the zone
 * (`days` knows both): a 10:00 meeting must be in by 08:00, a 07:00 meeting by 07:00.
 *
 * When was it entered? hanvisa decides once, in the round that first sees the occurrence on its
 * local day with a planned code (`sightings.planned`); in later rounds (`planned` no later than
 * `previousSuccessAt`) it returns null, so a verdict never changes because the source's
 * modification time moved on. (A sighting made in this very round, `planned === now`, is
 * always judged, so a backfill with `--now` earlier than the last round still works.) Two
 * situations:
 *
 * 1. *The code or the day changed while hanvisa was watching.* hanvisa had seen the event on
 *    this day without a planned code (`day < planned`: a code was added, or an unplanned code
 *    became a planned one), or had seen the event before on another day and this occurrence is
 *    a move (a single event, or a series instance whose start lies on another day than its
 *    recurrence id). Then the creation time says nothing about the code: `enteredAt` is the
 *    source's modification time when it lies after the earlier sighting and no later than
 *    hanvisa's first sighting (the change cannot be later than when hanvisa saw it, nor earlier
 *    than when hanvisa saw the old state), else the first sighting itself (approximate).
 * 2. *The occurrence appears to hanvisa with its code for the first time* (a new calendar's
 *    first sync, a new event, a series instance entering the sync window, hanvisa having been
 *    down). Nothing says the code came later, so the creation time of the event or its series
 *    master is trusted. Without a creation time (an ICS event without CREATED) the modification
 *    or first-sighting time is used and marked approximate; on the calendar's very first round
 *    (`previousSuccessAt` null) without either source time there is nothing to go on, and no
 *    verdict is given rather than a false one.
 *
 * 3. *A series instance moved onto its day before hanvisa first saw it* (its recurrence id is
 *    on another local day): the move is bounded by the override's modification time, which is
 *    then `enteredAt` (basis `modified`, approximate: the move may have been earlier), as when a
 *    move is seen between two rounds. Without a modification time after the series' creation
 *    nothing bounds it, and case 2 applies.
 *
 * Late when `enteredAt > deadline`; retroactive when `enteredAt >= start`; invited when the
 * employee is not the organiser (`organizerIsSelf === false`; unknown counts as own).
 */
export function assessLateEntry(
  occurrence: LateEntryFacts,
  sightings: Sightings,
  round: LateEntryRound,
  days: LocalDays,
): LateEntryVerdict | null {
  const firstSeen = sightings.planned;
  const { previousSuccessAt } = round;
  if (previousSuccessAt !== null && firstSeen <= previousSuccessAt && firstSeen !== round.now) return null;
  const day = days.dayOf(occurrence.start);
  const deadline = Math.min(day.deadline, occurrence.start);
  const { createdAt, modifiedAt } = occurrence;
  let enteredAt: Instant;
  let basis: EnteredAtBasis;
  let approximate: boolean;
  const codeAdded = sightings.day < firstSeen;
  const moved = !codeAdded && sightings.event < firstSeen && isMove(occurrence, day.label, days);
  // 3. A series instance moved onto this day before hanvisa first saw it: the override itself
  //    says it was moved (its recurrence id lies on another day) and when, at the latest (its
  //    LAST-MODIFIED, or Graph's lastModifiedDateTime on an exception with originalStart).
  const movedUnseen =
    !codeAdded &&
    !moved &&
    occurrence.recurrenceId !== null &&
    modifiedAt !== null &&
    modifiedAt <= firstSeen &&
    (createdAt === null || modifiedAt > createdAt) &&
    isMove(occurrence, day.label, days);
  if (movedUnseen) {
    enteredAt = modifiedAt;
    basis = 'modified';
    approximate = true;
  } else if (codeAdded || moved) {
    const notBefore = codeAdded ? sightings.day : sightings.event;
    if (modifiedAt !== null && modifiedAt > notBefore && modifiedAt <= firstSeen) {
      enteredAt = modifiedAt;
      basis = 'modified';
      approximate = createdAt === null;
    } else {
      enteredAt = firstSeen;
      basis = 'firstSeen';
      approximate = true;
    }
  } else if (createdAt !== null) {
    enteredAt = createdAt;
    basis = 'created';
    approximate = false;
  } else if (modifiedAt !== null && modifiedAt <= firstSeen) {
    enteredAt = modifiedAt;
    basis = 'modified';
    approximate = true;
  } else if (previousSuccessAt !== null) {
    enteredAt = firstSeen;
    basis = 'firstSeen';
    approximate = true;
  } else {
    return null;
  }
  const late = enteredAt > deadline;
  const retroactive = enteredAt >= occurrence.start;
  const invited = occurrence.organizerIsSelf === false;
  const kind: LateEntryKind | null = !late
    ? null
    : invited
      ? 'invited'
      : retroactive
        ? 'retroactive'
        : 'late';
  return { enteredAt, deadline, basis, approximate, late, retroactive, invited, kind };
}

/** A single event seen before on another day was moved; a series instance was moved when its day differs from its recurrence id's. */
function isMove(occurrence: LateEntryFacts, dayLabel: string, days: LocalDays): boolean {
  if (occurrence.recurrenceId === null) return true;
  const original = Date.parse(occurrence.recurrenceId);
  if (Number.isNaN(original)) return false;
  return days.dayOf(original).label !== dayLabel;
}

/**
 * The lateEntry rule: a finding for every planned occurrence entered after its deadline (see
 * `assessLateEntry`). Invited meetings are recorded with kind `invited` whatever
 * `countInvited` says; whether they count is the report's decision, so changing the setting
 * changes the totals without rewriting history.
 */
export function lateEntryRule(settings: LateEntrySettings, environment: RuleEnvironment): Rule {
  const days = new LocalDays(environment.timeZone, settings.deadline);
  return {
    name: LATE_ENTRY,
    evaluate(round, out: RuleFinding[]) {
      const { coded, sightings } = round;
      for (let index = 0; index < coded.length; index++) {
        const item = coded[index] as (typeof coded)[number];
        if (!item.planned) continue;
        const seen = sightings[index];
        if (seen === undefined) continue;
        const { occurrence } = item;
        const verdict = assessLateEntry(occurrence, seen, round, days);
        if (verdict === null || verdict.kind === null) continue;
        out.push({
          key: findingKey(LATE_ENTRY, round.calendar, occurrence.uid, occurrence.start),
          rule: LATE_ENTRY,
          kind: verdict.kind,
          employee: round.employee,
          calendar: round.calendar,
          eventUid: occurrence.uid,
          occurrenceStart: occurrence.start,
          foundAt: round.now,
          details: {
            code: item.code,
            occurrenceEnd: occurrence.end,
            enteredAt: verdict.enteredAt,
            deadline: verdict.deadline,
            approximate: verdict.approximate,
            basis: verdict.basis,
            retroactive: verdict.retroactive,
            invited: verdict.invited,
          },
        });
      }
    },
  };
}
