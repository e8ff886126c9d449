import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { IcsReadError } from './ics-errors.js';

/** What one feed may cost. Defaults match the `ics:` section of the config. */
export interface IcsBudgets {
  /** VEVENTs in one feed. */
  readonly maxEventsPerFeed: number;
  /** Occurrences of one series inside the window. */
  readonly maxOccurrencesPerSeries: number;
  /** Recurrence iteration steps for the whole feed (every candidate ical.js looks at counts). */
  readonly recurrenceStepBudget: number;
  /** Offset changes one VTIMEZONE of the feed may define up to a year past the window. */
  readonly maxZoneTransitions: number;
  /** Offset changes all the feed's VTIMEZONEs together may define. */
  readonly maxZoneTransitionsPerFeed: number;
  /** RDATE and EXDATE values of one event together. */
  readonly maxDatesPerEvent: number;
}

export const DEFAULT_ICS_BUDGETS: IcsBudgets = {
  maxEventsPerFeed: 100_000,
  maxOccurrencesPerSeries: 2_000,
  recurrenceStepBudget: 1_000_000,
  maxZoneTransitions: 5_000,
  maxZoneTransitionsPerFeed: 20_000,
  maxDatesPerEvent: 10_000,
};

/** Recurrence steps between two looks at the clock (~1–5 ms of ical.js work). */
const STEPS_PER_CHECK = 256;
/** The event loop gets a turn at least this often while a feed is read. */
const SLICE_MS = 20;

/**
 * The running cost of reading one feed. Spending steps past the budget throws an IcsReadError
 * of kind `budget`; `shouldYield`/`yieldNow` give the event loop a turn every ~20 ms of work,
 * so a large feed never blocks other calendars, timers or shutdown for long.
 */
export class FeedBudget {
  readonly limits: IcsBudgets;
  private stepsLeftCount: number;
  private stepsSinceCheck = 0;
  private sliceStart = performance.now();
  private zoneTransitions = 0;
  private readonly transitionsByZone = new Map<string, number>();

  constructor(limits: IcsBudgets) {
    this.limits = limits;
    this.stepsLeftCount = limits.recurrenceStepBudget;
  }

  /** Spends one recurrence step; throws when the feed's step budget is used up. */
  step(): void {
    this.stepsSinceCheck++;
    if (--this.stepsLeftCount < 0) {
      throw new IcsReadError(
        'budget',
        `over the recurrence step budget (ics.recurrenceStepBudget = ${this.limits.recurrenceStepBudget}): a recurrence rule is too dense or starts too long ago to expand`,
      );
    }
  }

  /** Steps still allowed (a cap for iteration that runs outside `step`). */
  get stepsLeft(): number {
    return Math.max(0, this.stepsLeftCount);
  }

  /** Spends what is left and throws the step-budget error (an iteration hit its cap). */
  exhaust(): never {
    this.stepsLeftCount = 0;
    this.step();
    throw new Error('unreachable');
  }

  get stepsUsed(): number {
    return this.limits.recurrenceStepBudget - this.stepsLeftCount;
  }

  /**
   * True when this slice of work has run long enough that the event loop should get a turn.
   * `force` looks at the clock now; otherwise only every few hundred steps (the hot loop).
   */
  shouldYield(force = false): boolean {
    if (!force && this.stepsSinceCheck < STEPS_PER_CHECK) return false;
    this.stepsSinceCheck = 0;
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  /** Gives the event loop a turn and starts a new slice. */
  async yieldNow(): Promise<void> {
    await yieldToEventLoop();
    this.stepsSinceCheck = 0;
    this.sliceStart = performance.now();
  }

  checkEventCount(count: number): void {
    if (count > this.limits.maxEventsPerFeed) {
      throw new IcsReadError(
        'budget',
        `the feed has ${count} events, more than the budget (ics.maxEventsPerFeed = ${this.limits.maxEventsPerFeed})`,
      );
    }
  }

  /**
   * Counts one offset change of the feed's VTIMEZONE `tzid`; throws when the zone or the feed
   * is over its budget. Why: a zone whose rules recur FREQ=MINUTELY defines millions of changes
   * (ical.js expanded them all: minutes of CPU, then out of memory, on every worker in turn).
   */
  zoneTransition(tzid: string): void {
    const count = (this.transitionsByZone.get(tzid) ?? 0) + 1;
    this.transitionsByZone.set(tzid, count);
    if (count > this.limits.maxZoneTransitions) {
      throw new IcsReadError(
        'budget',
        `a VTIMEZONE defines more than ${this.limits.maxZoneTransitions} offset changes (ics.maxZoneTransitions): its STANDARD/DAYLIGHT rules recur too often`,
      );
    }
    if (++this.zoneTransitions > this.limits.maxZoneTransitionsPerFeed) {
      throw new IcsReadError(
        'budget',
        `the feed's VTIMEZONEs define more than ${this.limits.maxZoneTransitionsPerFeed} offset changes together (ics.maxZoneTransitionsPerFeed)`,
      );
    }
  }

  /** Throws when one event lists more RDATE/EXDATE values than the budget allows. */
  checkEventDates(count: number): void {
    if (count > this.limits.maxDatesPerEvent) {
      throw new IcsReadError(
        'budget',
        `an event lists ${count} RDATE/EXDATE values, more than the budget (ics.maxDatesPerEvent = ${this.limits.maxDatesPerEvent})`,
      );
    }
  }

  checkSeriesOccurrences(count: number): void {
    if (count > this.limits.maxOccurrencesPerSeries) {
      throw new IcsReadError(
        'budget',
        `a recurring series has more than ${this.limits.maxOccurrencesPerSeries} occurrences in the window (ics.maxOccurrencesPerSeries)`,
      );
    }
  }
}
