import type { Occurrence, TimeSpan } from '../../domain/occurrence.js';
import type { FeedBudget } from './ics-budget.js';
import { detach, type EventRecord, organizerIsSelf } from './ics-event.js';
import type { ZoneResolver } from './ics-zones.js';

/** What reading one feed shares between its events. */
export interface ReadContext {
  readonly window: TimeSpan;
  readonly resolver: ZoneResolver;
  readonly budget: FeedBudget;
  readonly owners: ReadonlySet<string>;
  readonly warn: (message: string) => void;
  readonly emit: (occurrence: Occurrence) => void;
}

/**
 * Builds the occurrence record. `props` is the event that says what this occurrence is (the
 * exception when there is one); `master` is the series it belongs to. A cancelled or private
 * series stays so in every instance; creation time is the series'.
 */
export function makeOccurrence(
  context: ReadContext,
  uid: string,
  recurrenceId: number | null,
  start: number,
  end: number,
  allDay: boolean,
  props: EventRecord,
  master: EventRecord | null,
): Occurrence {
  return {
    uid: detach(uid),
    recurrenceId: recurrenceId === null ? null : new Date(recurrenceId).toISOString(),
    start,
    end,
    allDay,
    status: master?.status === 'cancelled' ? 'cancelled' : props.status,
    showAs: props.showAs,
    private: props.private || master?.private === true,
    createdAt: master?.created ?? props.created,
    modifiedAt: props.lastModified ?? master?.lastModified ?? null,
    organizerIsSelf: organizerIsSelf(
      master !== null && props.organizer === null ? master : props,
      context.owners,
    ),
    subject: detach(props.summary !== '' || master === null ? props.summary : master.summary),
  };
}
