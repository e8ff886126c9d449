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
}

export const DEFAULT_ICS_BUDGETS: IcsBudgets = {
  maxEventsPerFeed: 100_000,
  maxOccurrencesPerSeries: 2_000,
  recurrenceStepBudget: 1_000_000,
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
  private stepsLeft: number;
  private stepsSinceCheck = 0;
  private sliceStart = performance.now();

  constructor(limits: IcsBudgets) {
    this.limits = limits;
    this.stepsLeft = limits.recurrenceStepBudget;
  }

  /** Spends one recurrence step; throws when the feed's step budget is used up. */
  step(): void {
    this.stepsSinceCheck++;
    if (--this.stepsLeft < 0) {
      throw new IcsReadError(
        'budget',
        `over the recurrence step budget (ics.recurrenceStepBudget = ${this.limits.recurrenceStepBudget}): a recurrence rule is too dense or starts too long ago to expand`,
      );
    }
  }

  get stepsUsed(): number {
    return this.limits.recurrenceStepBudget - this.stepsLeft;
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

  checkSeriesOccurrences(count: number): void {
    if (count > this.limits.maxOccurrencesPerSeries) {
      throw new IcsReadError(
        'budget',
        `a recurring series has more than ${this.limits.maxOccurrencesPerSeries} occurrences in the window (ics.maxOccurrencesPerSeries)`,
      );
    }
  }
}
