import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type {
  CalendarRef,
  CalendarSource,
  FetchResult,
  SourceCursor,
} from '../../app/ports/calendar-source.js';
import { HanvisaError, PermanentError, TransientError } from '../../domain/errors.js';
import type { TimeSpan } from '../../domain/occurrence.js';
import type { IcsBudgets } from './ics-budget.js';
import { decodeFeed, isUtf16 } from './ics-decode.js';
import { IcsReadError } from './ics-errors.js';
import { type FeedFetcher, type FeedHttpOptions, fetchFeed, isFeedUrl } from './ics-http.js';
import { readIcs } from './read-ics.js';

/** The `ics:` section of the config (HanvisaConfig['ics']). */
/** Budgets added later default when a caller leaves them out. */
type LaterBudgets = 'maxZoneTransitions' | 'maxZoneTransitionsPerFeed' | 'maxDatesPerEvent';

export interface IcsSettings extends Omit<IcsBudgets, LaterBudgets>, Partial<Pick<IcsBudgets, LaterBudgets>> {
  readonly allowPrivateHosts: readonly string[];
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  /** Cap on the decompressed body; default maxBytes × 4. */
  readonly maxDecompressedBytes?: number;
}

export interface IcsSourceOptions {
  /** The configured IANA zone (HanvisaConfig.timeZone). */
  readonly timeZone: string;
  /** HanvisaConfig.ics. */
  readonly ics: IcsSettings;
  /** Fetches feed URLs; default: node:http(s) with the SSRF guard (tests inject lookups or fakes). */
  readonly fetch?: FeedFetcher;
  /** Extra options for the default fetcher (a DNS lookup for tests). */
  readonly http?: Partial<Pick<FeedHttpOptions, 'lookup'>>;
  /** The calendar owner's addresses, to tell organised from invited events (optional). */
  readonly ownerAddresses?: (calendar: CalendarRef) => readonly string[];
}

/** Bump when the reader changes what it makes of the same bytes, so cached cursors do not hide it. */
const READER_VERSION = '1';

function windowKey(window: TimeSpan, timeZone: string): string {
  return `${READER_VERSION}|${window.from}|${window.to}|${timeZone}`;
}

const HASH_SLICE = 1 << 20;

/** The body's SHA-256, hashed in slices with a yield between them (a 25 MB file is ~100 ms of hashing). */
async function sha256(body: string): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < body.length; offset += HASH_SLICE) {
    hash.update(body.slice(offset, offset + HASH_SLICE));
    if (offset + HASH_SLICE < body.length) await yieldToEventLoop();
  }
  return hash.digest('hex');
}

/**
 * The ICS calendar source: a feed URL (https, webcal as https; http only for allowed private
 * hosts) or a file. The cursor remembers the body hash, the ETag/Last-Modified and the window
 * the occurrences were computed for: the same bytes for the same window are `unchanged` (no
 * parsing, no reconcile); a new window (a new day) reads the feed again, because recurring
 * series bring new occurrences into it.
 *
 * Errors are PermanentError/TransientError whose message starts with the calendar id and never
 * contains the feed's address or path.
 */
export function createIcsSource(options: IcsSourceOptions): CalendarSource {
  const fetcher =
    options.fetch ??
    ((url, conditional) =>
      fetchFeed(url, conditional, {
        allowPrivateHosts: options.ics.allowPrivateHosts,
        timeoutMs: options.ics.timeoutMs,
        maxBytes: options.ics.maxBytes,
        maxDecompressedBytes: options.ics.maxDecompressedBytes ?? options.ics.maxBytes * 4,
        maxRedirects: options.ics.maxRedirects,
        ...(options.http?.lookup ? { lookup: options.http.lookup } : {}),
      }));
  return {
    async fetch(calendar: CalendarRef, window: TimeSpan, cursor: SourceCursor | null): Promise<FetchResult> {
      const label = `calendar ${calendar.id}`;
      const key = windowKey(window, options.timeZone);
      const sameWindow = cursor?.window === key;
      try {
        let body: string;
        const next: Record<string, string> = { window: key };
        if (isFeedUrl(calendar.address)) {
          const response = await fetcher(calendar.address, {
            etag: sameWindow ? cursor?.etag : undefined,
            lastModified: sameWindow ? cursor?.lastModified : undefined,
          });
          if (response.kind === 'notModified') return { kind: 'unchanged', cursor };
          body = response.body;
          if (response.etag) next.etag = response.etag;
          if (response.lastModified) next.lastModified = response.lastModified;
        } else {
          body = await readFeedFile(calendar.address, options.ics.maxBytes);
        }
        next.bodyHash = await sha256(body);
        if (sameWindow && cursor?.bodyHash === next.bodyHash) return { kind: 'unchanged', cursor: next };
        const result = await readIcs(body, {
          window,
          timeZone: options.timeZone,
          budgets: options.ics,
          ownerAddresses: options.ownerAddresses?.(calendar) ?? [],
        });
        return {
          kind: 'snapshot',
          occurrences: result.occurrences,
          cursor: next,
          warnings: result.warnings,
          unreadable: result.unreadable,
        };
      } catch (error) {
        throw withCalendar(label, error);
      }
    },
  };
}

/**
 * Reads a feed file, at most `maxBytes` of it (ics.maxBytes, as for HTTP feeds): a 100 MB file
 * is refused after its size is known, not read whole into memory first.
 */
async function readFeedFile(file: string, maxBytes: number): Promise<string> {
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw tooLarge(maxBytes);
      // Read one byte more than allowed: a file that grew since stat is still caught.
      const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxBytes) throw tooLarge(maxBytes);
        if (length === buffer.length) break;
      }
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new PermanentError(
      code === 'ENOENT'
        ? 'the iCal file does not exist; check the ics path in the config'
        : `the iCal file cannot be read (${code}); check the ics path and its permissions`,
    );
  }
  return isUtf16(bytes) ? decodeFeed(bytes) : decodeUtf8(bytes);
}

function tooLarge(maxBytes: number): PermanentError {
  return new PermanentError(
    `the iCal file is larger than the limit (ics.maxBytes = ${maxBytes}); raise it or trim the file`,
  );
}

/** UTF-8 decoding in slices with a yield between them (25 MB decode in one go blocks ~100+ ms). */
async function decodeUtf8(bytes: Buffer): Promise<string> {
  if (bytes.length <= HASH_SLICE) return decodeFeed(bytes);
  const decoder = new TextDecoder('utf-8');
  const parts: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += HASH_SLICE) {
    const end = Math.min(offset + HASH_SLICE, bytes.length);
    parts.push(decoder.decode(bytes.subarray(offset, end), { stream: end < bytes.length }));
    await yieldToEventLoop();
  }
  return parts.join('');
}

/** Prefixes the calendar id; keeps the error's type (transient or permanent) and retry hint. */
function withCalendar(label: string, error: unknown): Error {
  if (error instanceof HanvisaError && error.message.startsWith(`${label}:`)) return error;
  if (error instanceof TransientError) {
    return new TransientError(`${label}: ${error.message}`, {
      cause: error,
      retryAfterMs: error.retryAfterMs,
    });
  }
  if (error instanceof IcsReadError)
    return new IcsReadError(error.kind, `${label}: ${error.message}`, { cause: error });
  if (error instanceof HanvisaError)
    return new PermanentError(`${label}: ${error.message}`, { cause: error });
  return new PermanentError(`${label}: the feed cannot be read (unexpected error)`, { cause: error });
}
