import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { PermanentError, TransientError } from '../../domain/errors.js';
import { retryAfterMs } from '../http/retry-after.js';
import { decodeFeed } from './ics-decode.js';
import { guardedLookup, isBlockedAddress, type LookupFunction, PrivateAddressError } from './ssrf-guard.js';

/** What the last fetch of this feed returned, to ask "changed since?". */
export interface ConditionalHeaders {
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
}

export type FeedResponse =
  | { readonly kind: 'notModified' }
  | {
      readonly kind: 'body';
      readonly body: string;
      readonly etag: string | null;
      readonly lastModified: string | null;
    };

/** Fetches one feed URL. The ICS source takes any function of this shape (tests inject fakes). */
export type FeedFetcher = (url: string, conditional: ConditionalHeaders) => Promise<FeedResponse>;

export interface FeedHttpOptions {
  /** Host names (lower-case) that may resolve to private addresses (on-premises Exchange). */
  readonly allowPrivateHosts: readonly string[];
  /** For the whole fetch: every redirect, the connection and the body. */
  readonly timeoutMs: number;
  /** Cap on the bytes on the wire. */
  readonly maxBytes: number;
  /** Cap on the bytes after gzip/deflate (a 5 MB gzip body can hold gigabytes). */
  readonly maxDecompressedBytes: number;
  readonly maxRedirects: number;
  /** DNS lookup (default dns.lookup); every address it returns passes the SSRF guard. */
  readonly lookup?: LookupFunction;
}

/** True for addresses fetched over HTTP (https, webcal, http); anything else is a file path. */
export function isFeedUrl(address: string): boolean {
  return /^(https?|webcal):\/\//i.test(address);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function toUrl(address: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(address.replace(/^webcal:/i, 'https:'), base);
  } catch {
    throw new PermanentError('the feed address is not a valid URL; check the ics entry in the config');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PermanentError(
      'the feed (or a redirect) uses a scheme other than https/http/webcal, which is refused',
    );
  }
  return url;
}

function networkError(error: NodeJS.ErrnoException): Error {
  if (
    error instanceof PrivateAddressError ||
    error instanceof PermanentError ||
    error instanceof TransientError
  ) {
    return error;
  }
  const code = error.code ?? 'network error';
  if (code === 'ENOTFOUND') {
    return new PermanentError('the feed host name does not resolve (ENOTFOUND); check the feed address');
  }
  if (
    code === 'CERT_HAS_EXPIRED' ||
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code.includes('SELF_SIGNED')
  ) {
    return new PermanentError(`the feed host's TLS certificate is not valid (${code})`);
  }
  return new TransientError(`cannot reach the feed host (${code}); will try again`);
}

interface HopResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly response: http.IncomingMessage;
}

/**
 * Fetches a feed with the protections a secret, user-supplied URL needs: webcal read as https;
 * http only to hosts in `allowPrivateHosts` (every other hop must be https);
 * at most `maxRedirects` redirects, each checked like the first URL; the SSRF guard on every
 * connection (connect-time DNS check, IP literals checked directly) unless the host is in
 * `allowPrivateHosts`; one deadline for everything; caps on the raw and the decompressed body;
 * conditional requests (ETag, Last-Modified) and 304. Errors never contain the URL.
 */
export async function fetchFeed(
  address: string,
  conditional: ConditionalHeaders,
  options: FeedHttpOptions,
): Promise<FeedResponse> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  const lookup = guardedLookup(options.lookup);
  const allowed = new Set(options.allowPrivateHosts.map((host) => host.toLowerCase()));
  try {
    let url = toUrl(address);
    for (let redirects = 0; ; redirects++) {
      const hop = await request(url, conditional, options, allowed, lookup, deadline.signal);
      if (REDIRECTS.has(hop.status)) {
        hop.response.resume();
        const location = hop.headers.location;
        if (location === undefined)
          throw new PermanentError(`the feed answered HTTP ${hop.status} without a Location`);
        if (redirects >= options.maxRedirects) {
          throw new PermanentError(
            `the feed redirects more than ${options.maxRedirects} times (ics.maxRedirects); check the feed address`,
          );
        }
        url = toUrl(location, url);
        continue;
      }
      if (hop.status === 304) {
        hop.response.resume();
        return { kind: 'notModified' };
      }
      if (hop.status >= 200 && hop.status < 300) {
        const body = await readBody(hop.response, options, deadline.signal);
        return {
          kind: 'body',
          body,
          etag: typeof hop.headers.etag === 'string' ? hop.headers.etag : null,
          lastModified:
            typeof hop.headers['last-modified'] === 'string' ? hop.headers['last-modified'] : null,
        };
      }
      hop.response.resume();
      if (hop.status === 429 || hop.status === 408 || hop.status >= 500) {
        throw new TransientError(`the feed answered HTTP ${hop.status}; will try again`, {
          retryAfterMs: retryAfterMs(hop.headers['retry-after'] as string | undefined, Date.now()),
        });
      }
      throw new PermanentError(
        `the feed answered HTTP ${hop.status}; check that the feed address is still published and valid`,
      );
    }
  } catch (error) {
    if (deadline.signal.aborted && !(error instanceof PermanentError)) {
      throw new TransientError(
        `the feed did not answer within ${options.timeoutMs} ms (ics.timeoutMs); will try again`,
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function request(
  url: URL,
  conditional: ConditionalHeaders,
  options: FeedHttpOptions,
  allowed: ReadonlySet<string>,
  lookup: LookupFunction,
  signal: AbortSignal,
): Promise<HopResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const privateAllowed = allowed.has(host);
  if (!privateAllowed && isIP(host) !== 0 && isBlockedAddress(host))
    return Promise.reject(new PrivateAddressError());
  // A feed URL is a secret (it usually carries a token): clear text only to hosts IT listed.
  if (url.protocol === 'http:' && !privateAllowed) {
    return Promise.reject(
      new PermanentError(
        'the feed (or a redirect) uses http://, which would send its secret address in clear text; use https, or list an on-premises host in ics.allowPrivateHosts',
      ),
    );
  }
  const headers: Record<string, string> = {
    accept: 'text/calendar, */*;q=0.5',
    'accept-encoding': 'gzip, deflate',
    'user-agent': 'hanvisa (calendar connection)',
  };
  if (conditional.etag) headers['if-none-match'] = conditional.etag;
  if (conditional.lastModified) headers['if-modified-since'] = conditional.lastModified;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<HopResult>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'GET',
        headers,
        agent: false,
        signal,
        ...(privateAllowed ? (options.lookup ? { lookup: options.lookup } : {}) : { lookup }),
      },
      (response) => resolve({ status: response.statusCode ?? 0, headers: response.headers, response }),
    );
    req.on('error', (error: NodeJS.ErrnoException) => reject(networkError(error)));
    req.end();
  });
}

async function readBody(
  response: http.IncomingMessage,
  options: FeedHttpOptions,
  signal: AbortSignal,
): Promise<string> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    response.destroy();
    throw overCap(options.maxBytes);
  }
  const encoding = String(response.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  let wireBytes = 0;
  response.on('data', (chunk: Buffer) => {
    wireBytes += chunk.length;
    if (wireBytes > options.maxBytes) response.destroy(overCap(options.maxBytes));
  });
  let stream: Readable = response;
  let limit = options.maxBytes;
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const decoder = encoding === 'deflate' ? zlib.createUnzip() : zlib.createGunzip();
    response.on('error', (error) => decoder.destroy(error));
    stream = response.pipe(decoder);
    limit = options.maxDecompressedBytes;
  } else if (encoding !== 'identity' && encoding !== '') {
    response.destroy();
    throw new PermanentError(`the feed uses an unsupported Content-Encoding (${encoding.slice(0, 20)})`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        response.destroy();
        stream.destroy();
        throw limit === options.maxBytes ? overCap(options.maxBytes) : overDecompressedCap(limit);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof PermanentError || error instanceof TransientError) throw error;
    if (signal.aborted) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) throw new PermanentError(`the feed's compressed body is corrupt (${code})`);
    throw new TransientError('the feed connection broke while reading; will try again');
  }
  return decodeFeed(Buffer.concat(chunks));
}

function overCap(maxBytes: number): PermanentError {
  return new PermanentError(`the feed is larger than ${maxBytes} bytes (ics.maxBytes)`);
}

function overDecompressedCap(maxBytes: number): PermanentError {
  return new PermanentError(
    `the feed is larger than ${maxBytes} bytes once decompressed (ics.maxBytes × 4); refused as a possible gzip bomb`,
  );
}
