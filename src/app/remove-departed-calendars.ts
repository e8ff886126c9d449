import { isCalendarOwned } from '../domain/referral-entry.js';
import type { CalendarRef } from './ports/calendar-source.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { StateStore } from './ports/state-store.js';

export interface DepartedDependencies {
  readonly sink: Pick<ReferralSink, 'ownedCalendars' | 'list' | 'apply'>;
  readonly state: Pick<StateStore, 'deleteSyncState'>;
}

export interface DepartedResult {
  /** The calendar ids whose entries were deleted (ids hold no personal data). */
  readonly calendars: readonly string[];
  readonly deleted: number;
}

/**
 * Deletes the calendar-owned entries of every calendar that is no longer in the directory
 * (its employee was removed, or the calendar was), ended ones included, and forgets its sync
 * state (a Graph cursor names the mailbox). Manual entries stay, whoever they are for.
 *
 * `directory` must be the whole directory (config plus Entra opt-in group), never a subset:
 * a calendar that is in it is never touched here, however long it has been failing. Run it
 * once per cycle, beside the cycle's sync jobs.
 */
export async function removeDepartedCalendars(
  deps: DepartedDependencies,
  directory: readonly CalendarRef[],
): Promise<DepartedResult> {
  const known = new Set(directory.map((calendar) => calendar.id));
  const departed = (await deps.sink.ownedCalendars()).filter((calendar) => !known.has(calendar));
  let deleted = 0;
  for (const calendar of departed) {
    const owned = (await deps.sink.list({ calendar })).filter(isCalendarOwned);
    await deps.sink.apply({
      calendar,
      creates: [],
      updates: [],
      deletes: owned,
      unchanged: 0,
      refused: null,
    });
    await deps.state.deleteSyncState(calendar);
    deleted += owned.length;
  }
  return { calendars: departed, deleted };
}
