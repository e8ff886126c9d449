import { existsSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A mock of the parts of Entra ID and Microsoft Graph hanvisa uses, on loopback, for the
 * benchmark and the end-to-end test: the client-credentials token endpoint (HTTPS, because
 * MSAL refuses an http authority; a test-only certificate in fixtures/graph/mock-tls), and
 * calendarView delta, series masters and 404s (HTTP). Every Graph answer waits `latencyMs`;
 * more than `perMailboxLimit` requests in flight for one mailbox get 429 with Retry-After, as
 * Exchange does, and are counted so the benchmark can prove it never caused one.
 */
export interface MockGraphOptions {
  readonly latencyMs: number;
  readonly perMailboxLimit?: number;
  /** Generated mailboxes `u<n>@bench.example`, n < mailboxes, each with `eventsPerMailbox` single events. */
  readonly mailboxes?: number;
  readonly eventsPerMailbox?: number;
  /** Where generated events start (their first day is the day after this instant). */
  readonly baseTime?: number;
  /** Fixed mailboxes (the end-to-end test): events in calendarView and masters by id. Others are 404. */
  readonly fixed?: Readonly<
    Record<string, { readonly events: readonly object[]; readonly masters?: readonly { id: string }[] }>
  >;
}

export interface MockGraphStats {
  /** HTTP requests (a $batch counts once). */
  graphRequests: number;
  /** Graph requests including those inside $batch requests. */
  innerRequests: number;
  tokenRequests: number;
  throttled: number;
  peakInFlight: number;
  peakPerMailbox: number;
}

export interface MockGraph {
  readonly authorityHost: string;
  readonly baseUrl: string;
  readonly stats: MockGraphStats;
  /** Changes one event in `share` of the generated mailboxes (the next delta round sees it). */
  change(share: number): number;
  resetStats(): void;
  close(): Promise<void>;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The test-only certificate the mock authority serves; a client trusts it through NODE_EXTRA_CA_CERTS. */
export function mockTlsDir(): string {
  // bench/graph (run from source) or dist/bench/graph (built)
  for (const dir of [
    path.resolve(HERE, '../../fixtures/graph/mock-tls'),
    path.resolve(HERE, '../../../fixtures/graph/mock-tls'),
  ]) {
    if (existsSync(path.join(dir, 'cert.pem'))) return dir;
  }
  throw new Error('fixtures/graph/mock-tls/cert.pem not found');
}

const tlsDir = () => {
  const dir = mockTlsDir();
  return { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
};

const DAY = 86_400_000;
const CODES = ['MÖT: Planering', 'LUN: Lunch', 'MÖT: Avstämning', 'UTB: Kurs', 'Fokustid'];

function generatedEvent(mailbox: number, index: number, generation: number, baseTime: number) {
  const start = baseTime + (1 + (index % 13)) * DAY + (1 + Math.floor(index / 13)) * 3_600_000;
  const changed = generation > 0 && index === (generation - 1) % 30;
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}.0000000`;
  return {
    '@odata.etag': `W/"ck-${mailbox}-${index}-${generation}"`,
    id: `AAMkAGI2-bench-${mailbox}-${index}=`,
    type: 'singleInstance',
    seriesMasterId: null,
    subject: changed ? `MÖT: Ändrat ${generation}` : CODES[index % CODES.length],
    isAllDay: false,
    isCancelled: false,
    isOrganizer: true,
    sensitivity: 'normal',
    showAs: 'busy',
    createdDateTime: new Date(baseTime - 7 * DAY).toISOString(),
    lastModifiedDateTime: new Date(baseTime - (changed ? 0 : DAY)).toISOString(),
    originalStartTimeZone: 'W. Europe Standard Time',
    start: { dateTime: iso(start), timeZone: 'UTC' },
    end: { dateTime: iso(start + 1_800_000), timeZone: 'UTC' },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startMockGraph(options: MockGraphOptions): Promise<MockGraph> {
  const limit = options.perMailboxLimit ?? 4;
  const count = options.mailboxes ?? 0;
  const eventsPer = options.eventsPerMailbox ?? 30;
  const baseTime = options.baseTime ?? Date.parse('2025-03-19T07:00:00Z');
  const generations = new Uint32Array(count);
  const stats: MockGraphStats = {
    graphRequests: 0,
    innerRequests: 0,
    tokenRequests: 0,
    throttled: 0,
    peakInFlight: 0,
    peakPerMailbox: 0,
  };
  const inFlight = new Map<string, number>();
  let totalInFlight = 0;

  const tokenServer = https.createServer(tlsDir(), (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && /\/oauth2\/v2\.0\/token$/.test((req.url ?? '').split('?')[0] ?? '')) {
        stats.tokenRequests++;
        send(res, 200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: 'mock-access-token',
        });
      } else {
        send(res, 404, { error: 'not_found' });
      }
    });
  });

  let graphPort = 0;
  const link = (mailbox: string, query: string) =>
    `http://127.0.0.1:${graphPort}/v1.0/users/${encodeURIComponent(mailbox)}/calendarView/delta?${query}`;

  function answer(
    authorization: string | undefined,
    prefer: string | string[] | undefined,
    mailbox: string,
    rest: string,
    url: URL,
  ): [number, unknown] {
    if (authorization !== 'Bearer mock-access-token') {
      return [401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } }];
    }
    const fixed = options.fixed?.[mailbox];
    const generated = /^u(\d+)@bench\.example$/.exec(mailbox);
    const number = generated ? Number(generated[1]) : -1;
    if (fixed === undefined && !(number >= 0 && number < count)) {
      return [
        404,
        { error: { code: 'ErrorInvalidUser', message: `The requested user '${mailbox}' is invalid.` } },
      ];
    }
    const eventMatch = /^\/events\/([^/?]+)$/.exec(rest);
    if (eventMatch) {
      const id = decodeURIComponent(eventMatch[1] ?? '');
      const master = fixed?.masters?.find((item) => item.id === id);
      return master ? [200, master] : [404, { error: { code: 'ErrorItemNotFound', message: 'Not found.' } }];
    }
    if (rest !== '/calendarView/delta')
      return [400, { error: { code: 'BadRequest', message: 'unsupported' } }];
    const pageSize = Number(/odata\.maxpagesize=(\d+)/.exec(String(prefer ?? ''))?.[1] ?? 100);
    const events = () =>
      fixed !== undefined
        ? fixed.events
        : Array.from({ length: eventsPer }, (_, index) =>
            generatedEvent(number, index, generations[number] ?? 0, baseTime),
          );
    const generation = fixed === undefined ? (generations[number] ?? 0) : 0;
    const deltaToken = url.searchParams.get('$deltatoken');
    if (deltaToken !== null) {
      const since = Number(deltaToken.replace(/^g/, ''));
      const changed: unknown[] = [];
      if (fixed === undefined && generation > since) {
        for (let g = since + 1; g <= generation; g++)
          changed.push(generatedEvent(number, (g - 1) % eventsPer, generation, baseTime));
      }
      return [200, { '@odata.deltaLink': link(mailbox, `$deltatoken=g${generation}`), value: changed }];
    }
    const offset = Number(url.searchParams.get('$skiptoken')?.replace(/^p/, '') ?? 0);
    const all = events();
    const page = all.slice(offset, offset + pageSize);
    const more = offset + pageSize < all.length;
    return [
      200,
      more
        ? { '@odata.nextLink': link(mailbox, `$skiptoken=p${offset + pageSize}`), value: page }
        : { '@odata.deltaLink': link(mailbox, `$deltatoken=g${generation}`), value: page },
    ];
  }

  /** Takes a slot of the mailbox, or null when it already has `limit` requests in flight (→ 429). */
  function enter(mailbox: string): (() => void) | null {
    const current = (inFlight.get(mailbox) ?? 0) + 1;
    if (current > limit) {
      stats.throttled++;
      return null;
    }
    inFlight.set(mailbox, current);
    totalInFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, totalInFlight);
    stats.peakPerMailbox = Math.max(stats.peakPerMailbox, current);
    return () => {
      totalInFlight--;
      const left = (inFlight.get(mailbox) ?? 1) - 1;
      if (left === 0) inFlight.delete(mailbox);
      else inFlight.set(mailbox, left);
    };
  }

  const THROTTLED = { error: { code: 'ApplicationThrottled', message: 'MailboxConcurrency limit' } };
  const USER_PATH = /^\/users\/([^/?]+)(\/[^?]*)/;

  /** JSON $batch: inner requests count against their mailbox's limit for the batch's duration. */
  function batch(req: IncomingMessage, res: ServerResponse, text: string): void {
    const requests = (
      JSON.parse(text) as { requests: { id: string; url: string; headers?: Record<string, string> }[] }
    ).requests;
    stats.innerRequests += requests.length;
    const leaves: (() => void)[] = [];
    const plans = requests.map((inner) => {
      const url = new URL(inner.url, 'http://127.0.0.1');
      const match = USER_PATH.exec(url.pathname);
      const mailbox = decodeURIComponent(match?.[1] ?? '');
      const leave = enter(mailbox);
      if (leave === null)
        return { id: inner.id, status: 429, headers: { 'Retry-After': '1' }, body: THROTTLED, run: null };
      leaves.push(leave);
      return {
        id: inner.id,
        run: () =>
          answer(
            req.headers.authorization,
            inner.headers?.Prefer ?? inner.headers?.prefer,
            mailbox,
            match?.[2] ?? '',
            url,
          ),
      };
    });
    setTimeout(() => {
      const responses = plans.map((plan) => {
        if (plan.run === null) return plan;
        const [status, body] = plan.run();
        return { id: plan.id, status, headers: { 'Content-Type': 'application/json' }, body };
      });
      send(res, 200, {
        responses: responses.map(({ id, status, headers, body }) => ({ id, status, headers, body })),
      });
      for (const leave of leaves) leave();
    }, options.latencyMs);
  }

  const graphServer = http.createServer({ keepAlive: true }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    stats.graphRequests++;
    if (req.method === 'POST' && url.pathname === '/v1.0/$batch') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => batch(req, res, Buffer.concat(chunks).toString('utf8')));
      return;
    }
    const match = /^\/v1\.0\/users\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!match) {
      send(res, 400, { error: { code: 'BadRequest', message: 'unsupported path' } });
      return;
    }
    stats.innerRequests++;
    const mailbox = decodeURIComponent(match[1] ?? '');
    const leave = enter(mailbox);
    if (leave === null) {
      send(res, 429, THROTTLED, { 'Retry-After': '1' });
      return;
    }
    setTimeout(() => {
      const [status, body] = answer(
        req.headers.authorization,
        req.headers.prefer,
        mailbox,
        match[2] ?? '',
        url,
      );
      send(res, status, body);
      leave();
    }, options.latencyMs);
  });

  const tokenPort = await listen(tokenServer);
  graphPort = await listen(graphServer);
  return {
    authorityHost: `https://127.0.0.1:${tokenPort}`,
    baseUrl: `http://127.0.0.1:${graphPort}/v1.0`,
    stats,
    change(share: number) {
      const step = Math.max(1, Math.round(1 / share));
      let changed = 0;
      for (let index = 0; index < count; index += step) {
        generations[index] = (generations[index] ?? 0) + 1;
        changed++;
      }
      return changed;
    },
    resetStats() {
      Object.assign(stats, {
        graphRequests: 0,
        innerRequests: 0,
        tokenRequests: 0,
        throttled: 0,
        peakInFlight: 0,
        peakPerMailbox: 0,
      });
    },
    async close() {
      graphServer.closeAllConnections();
      tokenServer.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => graphServer.close(resolve)),
        new Promise((resolve) => tokenServer.close(resolve)),
      ]);
    },
  };
}
