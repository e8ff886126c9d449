import { setTimeout as sleep } from 'node:timers/promises';
import type { CalendarRef, CalendarSource, FetchResult } from '../../src/app/ports/calendar-source.js';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import type { Occurrence, TimeSpan } from '../../src/domain/occurrence.js';

const HOUR = 3_600_000;

/** What one fetch of a calendar does: answer, answer 429 with Retry-After, 404, or fail with its address in the message. */
export type FetchBehaviour = 'ok' | 'notFound' | 'leakyError' | `throttle:${number}`;

export interface SyntheticSourceOptions {
  /** Coded events per calendar (each becomes one referral). */
  readonly eventsPerCalendar: number;
  /** Pause per fetch, standing in for the network. */
  readonly delayMs?: number;
  /** Adds one private event with this subject (it carries the code) to every calendar. */
  readonly privateSubject?: string;
  /** Per calendar id: what the 1st, 2nd, … fetch does (then `ok`). */
  readonly behaviours?: Readonly<Record<string, readonly FetchBehaviour[]>>;
}

/** The uid of a synthetic calendar's i-th event (tests compute the expected register from it). */
export function syntheticUid(calendarId: string, index: number): string {
  return `${calendarId}#${index}`;
}

/**
 * A CalendarSource with no IO for benchmarks and queue tests: every calendar has the same
 * shape of coded meetings near the end of the window, so every fetch is a full snapshot and a
 * first cycle creates `eventsPerCalendar` referrals per calendar. Behaviours script Graph-like
 * failures (429 with Retry-After, 404 mailbox) per calendar.
 */
export class SyntheticCalendarSource implements CalendarSource {
  readonly #options: SyntheticSourceOptions;
  readonly fetches = new Map<string, number>();

  constructor(options: SyntheticSourceOptions) {
    this.#options = options;
  }

  async fetch(calendar: CalendarRef, window: TimeSpan): Promise<FetchResult> {
    const count = (this.fetches.get(calendar.id) ?? 0) + 1;
    this.fetches.set(calendar.id, count);
    if ((this.#options.delayMs ?? 0) > 0) await sleep(this.#options.delayMs);
    const behaviour = this.#options.behaviours?.[calendar.id]?.[count - 1] ?? 'ok';
    if (behaviour === 'notFound') {
      throw new PermanentError(`calendar ${calendar.id}: mailbox not found (404 ErrorItemNotFound)`);
    }
    if (behaviour === 'leakyError') {
      // What a careless library does: echo the feed URL or mailbox in its message.
      throw new Error(`request to ${calendar.address} failed: socket hang up`);
    }
    if (behaviour.startsWith('throttle:')) {
      const retryAfterMs = Number(behaviour.slice('throttle:'.length));
      throw new TransientError(`calendar ${calendar.id}: Graph is busy (429); tried again later`, {
        retryAfterMs,
      });
    }
    const last = Math.floor(window.to / HOUR) * HOUR;
    const occurrences: Occurrence[] = [];
    for (let index = 0; index < this.#options.eventsPerCalendar; index++) {
      const start = last - (index + 2) * 3 * HOUR;
      occurrences.push(
        occurrence(syntheticUid(calendar.id, index), start, `MÖT: Planering ${index}`, false, window),
      );
    }
    if (this.#options.privateSubject !== undefined) {
      occurrences.push(
        occurrence(`${calendar.id}#private`, last - HOUR, this.#options.privateSubject, true, window),
      );
    }
    return { kind: 'snapshot', occurrences, cursor: { etag: `"${count}"` }, warnings: [] };
  }
}

function occurrence(
  uid: string,
  start: number,
  subject: string,
  isPrivate: boolean,
  window: TimeSpan,
): Occurrence {
  return {
    uid,
    recurrenceId: null,
    start,
    end: start + HOUR,
    allDay: false,
    status: 'confirmed',
    showAs: 'busy',
    private: isPrivate,
    createdAt: window.from,
    modifiedAt: window.from,
    organizerIsSelf: true,
    subject,
  };
}
