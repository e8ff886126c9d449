import { createHash } from 'node:crypto';
import type { SourceCursor } from '../../app/ports/calendar-source.js';
import type { Instant, TimeSpan } from '../../domain/occurrence.js';

/**
 * What the Graph source remembers about one mailbox between cycles, stored by the sync use
 * case only after the round's plan was applied:
 * - `deltaQuery`: the query of the last round's deltaLink (`?$deltatoken=…`). Only the query:
 *   the link's path names the mailbox, and addresses never reach the state store.
 * - the window the delta round belongs to; when the window moves on a new round starts.
 * - `index`: which occurrence each Graph item id stood for (series uid and start), because an
 *   `@removed` item carries nothing but its id.
 */
export interface GraphCursorState {
  readonly deltaQuery: string;
  readonly window: TimeSpan;
  readonly index: Map<string, IndexedItem>;
}

export interface IndexedItem {
  readonly uid: string;
  readonly start: Instant;
}

const VERSION = '1';

/** A short, stable key for a Graph item id (ids are ~150 characters; the index keeps 16). */
export function itemKey(itemId: string): string {
  return createHash('sha256').update(itemId).digest('base64url').slice(0, 16);
}

export function encodeCursor(state: GraphCursorState): SourceCursor {
  const uids: string[] = [];
  const uidIndex = new Map<string, number>();
  const items: (string | number)[] = [];
  for (const [key, item] of state.index) {
    let position = uidIndex.get(item.uid);
    if (position === undefined) {
      position = uids.length;
      uids.push(item.uid);
      uidIndex.set(item.uid, position);
    }
    items.push(key, position, item.start);
  }
  return {
    graph: VERSION,
    deltaQuery: state.deltaQuery,
    windowFrom: String(state.window.from),
    windowTo: String(state.window.to),
    index: JSON.stringify({ u: uids, i: items }),
  };
}

/** The stored state, or null when there is none or it is not ours (then a first round starts). */
export function decodeCursor(cursor: SourceCursor | null): GraphCursorState | null {
  if (cursor === null || cursor.graph !== VERSION) return null;
  const { deltaQuery, windowFrom, windowTo, index } = cursor;
  if (
    !deltaQuery?.startsWith('?') ||
    windowFrom === undefined ||
    windowTo === undefined ||
    index === undefined
  ) {
    return null;
  }
  try {
    // { u: uids, i: [key, uid position, start, key, …] }
    const parsed = JSON.parse(index) as { u: string[]; i: (string | number)[] };
    const items = new Map<string, IndexedItem>();
    for (let at = 0; at + 2 < parsed.i.length; at += 3) {
      const [key, position, start] = [parsed.i[at], parsed.i[at + 1], parsed.i[at + 2]];
      const uid = parsed.u[position as number];
      if (typeof key !== 'string' || uid === undefined || typeof start !== 'number') return null;
      items.set(key, { uid, start });
    }
    return { deltaQuery, window: { from: Number(windowFrom), to: Number(windowTo) }, index: items };
  } catch {
    return null;
  }
}
