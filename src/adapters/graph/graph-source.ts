import type { CalendarRef, CalendarSource, FetchResult } from '../../app/ports/calendar-source.js';
import { TransientError } from '../../domain/errors.js';
import { type Occurrence, overlaps, type TimeSpan } from '../../domain/occurrence.js';
import { type GraphCredentials, MsalTokenProvider, type TokenProvider } from './graph-auth.js';
import { decodeCursor, encodeCursor, type IndexedItem, itemKey } from './graph-cursor.js';
import { graphErrorCode, graphFailure, type RequestSubject } from './graph-errors.js';
import {
  etagChangeKey,
  type GraphEvent,
  MASTER_SELECT,
  type MasterFields,
  needsMaster,
  toOccurrence,
} from './graph-event.js';
import { GraphHttp } from './graph-http.js';

/** Everything the Graph source needs: the `graph:` config section, the zone, and the secrets from the environment. */
export interface GraphSourceOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authorityHost: string;
  readonly baseUrl: string;
  readonly maxConcurrency: number;
  /** `odata.maxpagesize` for delta pages. */
  readonly maxPageSize: number;
  /** The organisation's zone: all-day events span its local midnights. */
  readonly timeZone: string;
  readonly credentials: GraphCredentials;
  readonly perMailboxConcurrency?: number;
  readonly maxRetries?: number;
  readonly maxRetryDelayMs?: number;
  readonly requestTimeoutMs?: number;
  /** JSON $batch size (graph.batchSize): 1 sends each request alone; up to 20 GETs of different mailboxes travel together. */
  readonly batchSize?: number;
  /** Series masters kept between rounds (by id and changeKey). Default 20,000. */
  readonly masterCacheSize?: number;
  /** A round that needs more pages than this fails (a paging loop). Default 1,000. */
  readonly maxPagesPerRound?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Share one connection (token cache, limits) with the Entra ID directory. */
  readonly http?: GraphHttp;
  /** Share one token cache (one MSAL client) with mail and presence. */
  readonly tokens?: TokenProvider;
}

/** The Graph source plus its connection, which the directory and the benchmark reuse. */
export interface GraphSource extends CalendarSource {
  readonly http: GraphHttp;
}

/** The app's client-credentials tokens for Graph (one MSAL client and token cache). */
export function graphTokens(
  options: Pick<
    GraphSourceOptions,
    'tenantId' | 'clientId' | 'authorityHost' | 'baseUrl' | 'credentials' | 'now'
  >,
): TokenProvider {
  return new MsalTokenProvider({
    tenantId: options.tenantId,
    clientId: options.clientId,
    authorityHost: options.authorityHost,
    baseUrl: options.baseUrl,
    credentials: options.credentials,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** Creates the one connection (MSAL client, token cache, limits) of a process. */
export function createGraphHttp(options: GraphSourceOptions): GraphHttp {
  const tokens = options.tokens ?? graphTokens(options);
  return new GraphHttp({
    baseUrl: options.baseUrl,
    tokens,
    maxConcurrency: options.maxConcurrency,
    ...(options.perMailboxConcurrency === undefined
      ? {}
      : { perMailboxConcurrency: options.perMailboxConcurrency }),
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: options.maxRetryDelayMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}

/** 410 Gone / syncStateNotFound: the delta token expired; only a new round helps. */
class SyncStateLost extends Error {}

const RESYNC_CODES = new Set([
  'syncStateNotFound',
  'resyncRequired',
  'SyncStateNotFound',
  'syncStateInvalid',
]);

/** Series masters by id, valid while their changeKey is the one an occurrence's etag names. A small LRU. */
class MasterCache {
  readonly #entries = new Map<string, MasterFields>();
  constructor(readonly capacity: number) {}
  get(id: string, changeKey: string | null): MasterFields | undefined {
    const cached = this.#entries.get(id);
    if (cached === undefined || changeKey === null || cached.changeKey !== changeKey) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, cached);
    return cached;
  }
  set(id: string, fields: MasterFields): void {
    this.#entries.delete(id);
    this.#entries.set(id, fields);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

interface RoundItems {
  /** Last word on each item id in this round: the item, or `removed`. */
  readonly items: Map<string, GraphEvent | 'removed'>;
  readonly deltaQuery: string;
  readonly masters: Map<string, Promise<Settled<MasterFields | null>>>;
}

/**
 * Microsoft Graph calendars through calendarView delta, one mailbox per calendar. A first round
 * (no cursor, a new window, or a resync after 410/syncStateNotFound) reads every page to the
 * deltaLink and returns a `snapshot`; later rounds start at the stored deltaLink and return a
 * `delta` (or `unchanged`: one request for a mailbox where nothing happened). Occurrences are
 * joined with their series master, fetched once per changeKey. A round that fails anywhere
 * (bad page, no deltaLink, a permanent error) throws and yields nothing, so the stored cursor
 * stays and the next cycle starts the round again.
 */
export function createGraphSource(options: GraphSourceOptions): GraphSource {
  const http = options.http ?? createGraphHttp(options);
  const masters = new MasterCache(options.masterCacheSize ?? 20_000);
  const maxPages = options.maxPagesPerRound ?? 1_000;
  const prefer = `outlook.timezone="UTC", odata.maxpagesize=${options.maxPageSize}`;

  async function fetchMaster(
    mailbox: string,
    id: string,
    subject: RequestSubject,
  ): Promise<MasterFields | null> {
    const response = await http.get(
      `/users/${encodeURIComponent(mailbox)}/events/${encodeURIComponent(id)}?$select=${MASTER_SELECT}`,
      {
        mailbox,
        subject,
        headers: { Prefer: 'outlook.timezone="UTC"' },
      },
    );
    if (response.status === 404) return null;
    if (response.status !== 200 || typeof response.body !== 'object' || response.body === null) {
      throw graphFailure(response.status, response.body, subject);
    }
    const fields = response.body as MasterFields;
    if (fields.changeKey !== undefined) masters.set(id, fields);
    return fields;
  }

  async function readRound(mailbox: string, firstPath: string, subject: RequestSubject): Promise<RoundItems> {
    const items = new Map<string, GraphEvent | 'removed'>();
    const roundMasters = new Map<string, Promise<Settled<MasterFields | null>>>();
    let path = firstPath;
    for (let page = 1; ; page++) {
      if (page > maxPages) {
        throw new TransientError(
          `${subject.label}: Graph kept paging past ${maxPages} pages; the round starts again next cycle`,
        );
      }
      const response = await http.get(path, { mailbox, subject, headers: { Prefer: prefer } });
      const code = graphErrorCode(response.body);
      if (response.status === 410 || (code !== null && RESYNC_CODES.has(code))) throw new SyncStateLost();
      if (response.status !== 200) throw graphFailure(response.status, response.body, subject);
      const body = response.body as Record<string, unknown> | null;
      const value = body?.value;
      if (!Array.isArray(value)) {
        throw new TransientError(
          `${subject.label}: Graph returned a page without items; nothing was changed and the round starts again next cycle`,
        );
      }
      for (const raw of value as GraphEvent[]) {
        if (typeof raw?.id !== 'string') continue;
        if (raw['@removed'] !== undefined) {
          items.set(raw.id, 'removed');
          continue;
        }
        if (raw.type === 'seriesMaster') continue;
        items.set(raw.id, raw);
        if (needsMaster(raw)) {
          const masterId = raw.seriesMasterId as string;
          const changeKey = etagChangeKey(raw['@odata.etag']);
          const cached = masters.get(masterId, changeKey);
          if (cached !== undefined) roundMasters.set(masterId, Promise.resolve({ ok: true, value: cached }));
          else if (!roundMasters.has(masterId))
            roundMasters.set(masterId, settle(fetchMaster(mailbox, masterId, subject)));
        }
      }
      const next = body?.['@odata.nextLink'];
      const delta = body?.['@odata.deltaLink'];
      if (typeof next === 'string') {
        path = http.relativeLink(next, subject);
        continue;
      }
      if (typeof delta === 'string') {
        const relative = http.relativeLink(delta, subject);
        const query = relative.slice(relative.indexOf('?'));
        if (!relative.includes('?') || !/\/calendarView\/delta\?/i.test(relative)) {
          throw new TransientError(
            `${subject.label}: Graph returned an unusable deltaLink; the round starts again next cycle`,
          );
        }
        return { items, deltaQuery: query, masters: roundMasters };
      }
      throw new TransientError(
        `${subject.label}: the Graph round ended without a deltaLink; nothing was changed and the round starts again next cycle`,
      );
    }
  }

  /** The round's items as occurrences; the masters are awaited here (their requests overlapped the paging). */
  async function resolve(round: RoundItems) {
    const resolvedMasters = new Map<string, MasterFields | null>();
    for (const [id, pending] of round.masters) {
      const settled = await pending;
      if (!settled.ok) throw settled.error;
      resolvedMasters.set(id, settled.value);
    }
    let orphans = 0;
    let unreadable = 0;
    const changed = new Map<string, Occurrence | 'removed'>();
    for (const [id, item] of round.items) {
      if (item === 'removed') {
        changed.set(id, 'removed');
        continue;
      }
      let master: MasterFields | null = null;
      if (needsMaster(item)) {
        master = resolvedMasters.get(item.seriesMasterId as string) ?? null;
        if (master === null) {
          orphans++;
          changed.set(id, 'removed');
          continue;
        }
      }
      const occurrence = toOccurrence(item, master, options.timeZone);
      if (occurrence === null) {
        unreadable++;
        continue;
      }
      changed.set(id, occurrence);
    }
    const warnings: string[] = [];
    if (orphans > 0)
      warnings.push(`${orphans} occurrence(s) skipped: their series was deleted while the round ran`);
    if (unreadable > 0) warnings.push(`${unreadable} item(s) without a readable start or end skipped`);
    return { changed, warnings };
  }

  async function firstRound(
    mailbox: string,
    window: TimeSpan,
    subject: RequestSubject,
    warnings: string[],
  ): Promise<FetchResult> {
    const from = new Date(window.from).toISOString();
    const to = new Date(window.to).toISOString();
    const round = await readRound(
      mailbox,
      `/users/${encodeURIComponent(mailbox)}/calendarView/delta?startDateTime=${from}&endDateTime=${to}`,
      subject,
    );
    const resolved = await resolve(round);
    const occurrences: Occurrence[] = [];
    const index = new Map<string, IndexedItem>();
    for (const [id, occurrence] of resolved.changed) {
      if (occurrence === 'removed' || !overlaps(occurrence, window)) continue;
      occurrences.push(occurrence);
      index.set(itemKey(id), { uid: occurrence.uid, start: occurrence.start });
    }
    return {
      kind: 'snapshot',
      occurrences,
      cursor: encodeCursor({ deltaQuery: round.deltaQuery, window, index }),
      warnings: [...warnings, ...resolved.warnings],
    };
  }

  async function nextRound(
    mailbox: string,
    window: TimeSpan,
    deltaQuery: string,
    previous: Map<string, IndexedItem>,
    subject: RequestSubject,
  ): Promise<FetchResult> {
    const round = await readRound(
      mailbox,
      `/users/${encodeURIComponent(mailbox)}/calendarView/delta${deltaQuery}`,
      subject,
    );
    const resolved = await resolve(round);
    const index = new Map(previous);
    const changed: Occurrence[] = [];
    const removed: { uid: string; start: number | null }[] = [];
    for (const [id, occurrence] of resolved.changed) {
      const key = itemKey(id);
      const before = index.get(key);
      if (occurrence === 'removed' || !overlaps(occurrence, window)) {
        // Removed, or moved out of the window: the entry of where it was goes. Unknown ids were never in the window.
        if (before !== undefined) removed.push({ uid: before.uid, start: before.start });
        index.delete(key);
        continue;
      }
      changed.push(occurrence);
      if (before !== undefined && (before.uid !== occurrence.uid || before.start !== occurrence.start)) {
        removed.push({ uid: before.uid, start: before.start });
      }
      index.set(key, { uid: occurrence.uid, start: occurrence.start });
    }
    const present = new Set(changed.map((occurrence) => `${occurrence.uid}\u0000${occurrence.start}`));
    const gone = removed.filter((item) => !present.has(`${item.uid}\u0000${item.start}`));
    const cursor = encodeCursor({ deltaQuery: round.deltaQuery, window, index });
    if (changed.length === 0 && gone.length === 0 && resolved.warnings.length === 0)
      return { kind: 'unchanged', cursor };
    return { kind: 'delta', changed, removed: gone, cursor, warnings: resolved.warnings };
  }

  return {
    http,
    async fetch(calendar: CalendarRef, window: TimeSpan, cursor): Promise<FetchResult> {
      const subject: RequestSubject = { label: `calendar ${calendar.id}`, clientId: options.clientId };
      const mailbox = calendar.address;
      const state = decodeCursor(cursor);
      const warnings: string[] = [];
      if (state !== null && state.window.from === window.from && state.window.to === window.to) {
        try {
          return await nextRound(mailbox, window, state.deltaQuery, state.index, subject);
        } catch (error) {
          if (!(error instanceof SyncStateLost)) throw error;
          warnings.push('the Graph delta state expired (410 / syncStateNotFound): full resync');
        }
      }
      try {
        return await firstRound(mailbox, window, subject, warnings);
      } catch (error) {
        if (error instanceof SyncStateLost) {
          throw new TransientError(
            `${subject.label}: Graph refused to start a delta round (410); tried again next cycle`,
          );
        }
        throw error;
      }
    },
  };
}
