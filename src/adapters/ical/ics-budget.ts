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

/** Recurrence steps between two yields to the event loop (~10–30 ms of ical.js work). */
const STEPS_PER_YIELD = 20_000;

/**
 * The running cost of reading one feed. Spending steps past the budget throws an IcsReadError
 * of kind `budget`; `maybeYield` gives the event loop a turn often enough that a large feed
 * never blocks it for long.
 */
export class FeedBudget {
  readonly limits: IcsBudgets;
  private stepsLeft: number;
  private stepsSinceYield = 0;

  constructor(limits: IcsBudgets) {
    this.limits = limits;
    this.stepsLeft = limits.recurrenceStepBudget;
  }

  /** Spends one recurrence step; throws when the feed's step budget is used up. */
  step(): void {
    this.stepsSinceYield++;
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

  /** True when enough steps were spent since the last yield that the event loop should get a turn. */
  shouldYield(): boolean {
    return this.stepsSinceYield >= STEPS_PER_YIELD;
  }

  /** Yields now (between parse batches). */
  async yieldNow(): Promise<void> {
    this.stepsSinceYield = 0;
    await yieldToEventLoop();
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
