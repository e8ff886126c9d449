import type { Occurrence, TimeSpan } from '../../domain/occurrence.js';
import type { UnreadableEvent } from '../../domain/unreadable-event.js';

/**
 * A calendar as hanvisa's config names it. `id` is stable and holds no personal data (it is
 * used in the register, in job data and in logs); `address` is the feed URL, file path or
 * mailbox, which is personal or secret and never leaves the source adapter.
 */
export interface CalendarRef {
  readonly id: string;
  readonly employee: string;
  readonly kind: 'ics' | 'graph';
  readonly address: string;
}

/** What a source remembers between cycles (ETag, delta link, body hash…), opaque to everyone else. */
export type SourceCursor = Readonly<Record<string, string>>;

export type { UnreadableEvent } from '../../domain/unreadable-event.js';

/**
 * What one fetch found:
 * - `snapshot`: every occurrence overlapping the window; what is not in it is gone, except the
 *   occurrences of events listed in `unreadable` (what hanvisa holds for them is kept).
 * - `unchanged`: nothing changed since `cursor` (a 304, the same body hash): no reconcile at all.
 * - `delta`: only changed occurrences and removed uids (Graph delta); the rest is as it was.
 */
export type FetchResult =
  | {
      readonly kind: 'snapshot';
      readonly occurrences: readonly Occurrence[];
      readonly cursor: SourceCursor | null;
      readonly warnings: readonly string[];
      readonly unreadable?: readonly UnreadableEvent[];
    }
  | { readonly kind: 'unchanged'; readonly cursor: SourceCursor | null }
  | {
      readonly kind: 'delta';
      readonly changed: readonly Occurrence[];
      /** Occurrences removed, by uid and start; entries whose occurrence lies outside the window are ignored. */
      readonly removed: readonly { readonly uid: string; readonly start: number | null }[];
      readonly cursor: SourceCursor | null;
      readonly warnings: readonly string[];
    };

/**
 * Port: reads one calendar. Invariants: occurrences are expanded, in UTC, and overlap `window`;
 * a failure throws a typed error (TransientError / PermanentError) naming the calendar by id
 * and never by its address, and yields no partial result, so existing referrals stay.
 */
export interface CalendarSource {
  fetch(calendar: CalendarRef, window: TimeSpan, cursor: SourceCursor | null): Promise<FetchResult>;
}
