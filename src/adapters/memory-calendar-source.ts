import type { CalendarRef, CalendarSource, FetchResult, SourceCursor } from '../app/ports/calendar-source.js';
import { PermanentError } from '../domain/errors.js';
import type { Occurrence, TimeSpan } from '../domain/occurrence.js';
import { overlaps } from '../domain/occurrence.js';

/**
 * In-memory calendars keyed by calendar id: the fake source for tests and benchmarks. A
 * calendar can be set to fail with a given error; an unknown calendar fails permanently, as a
 * missing file would. The cursor is a version counter, so an unchanged calendar answers
 * `unchanged` like a 304.
 */
export class MemoryCalendarSource implements CalendarSource {
  readonly #calendars = new Map<string, { occurrences: Occurrence[]; version: number }>();
  readonly #failures = new Map<string, Error>();
  fetches = 0;

  set(calendar: string, occurrences: Occurrence[]): void {
    const version = (this.#calendars.get(calendar)?.version ?? 0) + 1;
    this.#calendars.set(calendar, { occurrences, version });
  }

  fail(calendar: string, error: Error | null): void {
    if (error === null) this.#failures.delete(calendar);
    else this.#failures.set(calendar, error);
  }

  async fetch(calendar: CalendarRef, window: TimeSpan, cursor: SourceCursor | null): Promise<FetchResult> {
    this.fetches++;
    const failure = this.#failures.get(calendar.id);
    if (failure !== undefined) throw failure;
    const stored = this.#calendars.get(calendar.id);
    if (stored === undefined) throw new PermanentError(`calendar ${calendar.id}: no such calendar`);
    const version = String(stored.version);
    if (cursor?.version === version && cursor.window === `${window.from}/${window.to}`) {
      return { kind: 'unchanged', cursor };
    }
    return {
      kind: 'snapshot',
      occurrences: stored.occurrences.filter((occurrence) => overlaps(occurrence, window)),
      cursor: { version, window: `${window.from}/${window.to}` },
      warnings: [],
    };
  }
}
