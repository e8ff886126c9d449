import type { JobQueue } from '../../../app/jobs/job-kind.js';
import type { CalendarRef } from '../../../app/ports/calendar-source.js';
import type { ReferralSink } from '../../../app/ports/referral-sink.js';
import type { StateStore } from '../../../app/ports/state-store.js';
import type { CodeManualOptions } from '../../../domain/codes/code-manual.js';
import type { CodeTable } from '../../../domain/codes/code-table.js';
import type { Instant } from '../../../domain/occurrence.js';

/** A person in the directory as the pages show them (never an e-mail address on a page). */
export interface PageEmployee {
  readonly id: string;
  readonly name: string;
  readonly extension: string;
  readonly manager: string | null;
  readonly unit?: string;
  /** Used only to match a signed-in account to this person, never shown. */
  readonly email: string | null;
}

export interface PagePerson {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
}

/** The roles of the pages. A person may hold several (a manager is also an employee). */
export type PageRole = 'switchboard' | 'it' | 'manager' | 'employee';
export const PAGE_ROLES: readonly PageRole[] = ['switchboard', 'it', 'manager', 'employee'];

/**
 * What the pages read: the register through the ReferralSink port (read only: `list`), the
 * state store for sync status and findings (read only), the config's code table and directory.
 * The only thing the pages ask for is work through `queue` (IT's "sync now"), never inline.
 */
export interface PagesDeps {
  readonly timeZone: string;
  readonly window: { readonly pastDays: number; readonly futureDays: number };
  readonly codes: CodeTable;
  readonly manual: CodeManualOptions;
  readonly lateEntry: { readonly deadline: string; readonly countInvited: boolean };
  readonly employees: ReadonlyMap<string, PageEmployee>;
  /** Everyone by id (managers without a calendar too). */
  readonly people: ReadonlyMap<string, PagePerson>;
  readonly calendars: readonly CalendarRef[];
  readonly sink: Pick<ReferralSink, 'list'>;
  readonly state: Pick<StateStore, 'getSyncState' | 'listFindings'>;
  /** The poll interval, to say when a calendar is read next. */
  readonly scheduleEveryMs: number;
  readonly clock: () => Instant;
  /** Runs "sync now" for a calendar; absent: the button is not shown. */
  readonly queue?: JobQueue;
  /** The job request that syncs one calendar (the job table's kind and data). */
  readonly syncRequest?: (calendar: string) => { readonly kind: string; readonly data: unknown };
  /**
   * Calendars synced in this process, as they finish: the board re-reads just that calendar.
   * Returns the unsubscribe.
   */
  readonly onCalendarSynced?: (listener: (calendar: string) => void) => () => void;
  /**
   * How often the board re-reads the whole register (syncs on other hosts, manual entries):
   * default 5 s, or 60 s when `onCalendarSynced` reports this process's syncs.
   */
  readonly boardRefreshMs?: number;
  /**
   * Graph change notifications by calendar id, when `push:` is configured: `active` mailboxes are
   * read when they change (and by the safety poll), `failing` ones fall back to the normal poll.
   */
  readonly pushStatus?: () => Promise<ReadonlyMap<string, 'active' | 'failing'>>;
  /** The safety poll of push mailboxes (`push.safetyPoll`). */
  readonly safetyPollMs?: number;
}
