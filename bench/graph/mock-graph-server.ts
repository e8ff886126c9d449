import { randomUUID } from 'node:crypto';
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
 *
 * Change notifications (push): the subscription resource (POST with Graph's validation
 * handshake against both URLs, PATCH, DELETE, GET; at most 10,080 minutes ahead, as for Outlook
 * events), and real callbacks over HTTP to hanvisa's receiver: change notifications on
 * `addEvent` / `change(…, {notify})` / `notify`, and lifecycle notifications on `lifecycle`.
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
  /** The mock's clock for subscription expiry (a benchmark's simulated time); default Date.now. */
  readonly clock?: () => number;
  /** The tenant named in notifications. */
  readonly tenantId?: string;
}

/** A subscription as the mock keeps it (Graph's subscription resource, plus the mailbox). */
export interface MockSubscription {
  readonly id: string;
  readonly mailbox: string;
  readonly resource: string;
  readonly changeType: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string | null;
  readonly clientState: string | null;
  expiresAt: number;
}

/** Graph's documented maximum for Outlook event subscriptions: 10,080 minutes. */
export const MAX_EVENT_SUBSCRIPTION_MS = 10_080 * 60_000;

export interface MockGraphStats {
  /** HTTP requests (a $batch counts once). */
  graphRequests: number;
  /** Graph requests including those inside $batch requests. */
  innerRequests: number;
  tokenRequests: number;
  throttled: number;
  peakInFlight: number;
  peakPerMailbox: number;
  /** Subscription requests by operation, and the callbacks the mock made. */
  subscriptionsCreated: number;
  subscriptionsRenewed: number;
  subscriptionsDeleted: number;
  subscriptionsRefused: number;
  validationsSent: number;
  notificationsSent: number;
  /** Notification POSTs not answered with 2xx (or not at all), and answers slower than Graph's 3 s. */
  notificationsFailed: number;
  notificationsSlow: number;
}

export interface MockGraph {
  readonly authorityHost: string;
  readonly baseUrl: string;
  readonly stats: MockGraphStats;
  /** Changes one event in `share` of the generated mailboxes (the next delta round sees it). */
  change(share: number, options?: { readonly notify?: boolean }): number;
  /** Adds an event to a generated mailbox `u<n>@bench.example` (the next delta round sees it); notifies by default. */
  addEvent(
    mailbox: string,
    event: { readonly subject: string; readonly start: number; readonly end: number },
    options?: { readonly notify?: boolean },
  ): Promise<void>;
  /** The live subscriptions (not expired, not deleted). */
  subscriptions(): MockSubscription[];
  /**
   * Posts `count` change notifications (one POST each, in parallel) for the mailbox's live
   * subscriptions, as Graph does; `clientState` overrides the stored one (a forgery). Resolves
   * with the HTTP statuses (0: no answer).
   */
  notify(
    mailbox: string,
    options?: { readonly count?: number; readonly clientState?: string },
  ): Promise<number[]>;
  /** Sends a lifecycle notification for the mailbox's subscription; `subscriptionRemoved` also drops it. */
  lifecycle(
    mailbox: string,
    event: 'missed' | 'subscriptionRemoved' | 'reauthorizationRequired',
  ): Promise<number[]>;
  /** Delta requests per mailbox since the last resetStats (calendarView/delta, $batch inner ones included). */
  deltaRequests(mailbox: string): number;
  /** Subscription requests (create, renew, delete) per mailbox since the last resetStats. */
  subscriptionRequests(mailbox: string): number;
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
    subscriptionsCreated: 0,
    subscriptionsRenewed: 0,
    subscriptionsDeleted: 0,
    subscriptionsRefused: 0,
    validationsSent: 0,
    notificationsSent: 0,
    notificationsFailed: 0,
    notificationsSlow: 0,
  };
  const clock = options.clock ?? Date.now;
  const subscriptions = new Map<string, MockSubscription>();
  let subscriptionCounter = 0;
  const deltaCounts = new Map<string, number>();
  const subscriptionCounts = new Map<string, number>();
  const countSubscription = (mailbox: string) =>
    subscriptionCounts.set(mailbox, (subscriptionCounts.get(mailbox) ?? 0) + 1);
  /** Events added to generated mailboxes, with the generation that added them. */
  const extras = new Map<number, { gen: number; event: object }[]>();
  const extraGenerations = new Map<number, Set<number>>();
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
    deltaCounts.set(mailbox, (deltaCounts.get(mailbox) ?? 0) + 1);
    const deltaToken = url.searchParams.get('$deltatoken');
    if (deltaToken !== null) {
      const since = Number(deltaToken.replace(/^g/, ''));
      const changed: unknown[] = [];
      if (fixed === undefined && generation > since) {
        const added = extraGenerations.get(number);
        for (let g = since + 1; g <= generation; g++)
          if (!added?.has(g)) changed.push(generatedEvent(number, (g - 1) % eventsPer, generation, baseTime));
        for (const extra of extras.get(number) ?? []) if (extra.gen > since) changed.push(extra.event);
      }
      return [200, { '@odata.deltaLink': link(mailbox, `$deltatoken=g${generation}`), value: changed }];
    }
    const offset = Number(url.searchParams.get('$skiptoken')?.replace(/^p/, '') ?? 0);
    const all = [
      ...events(),
      ...(fixed === undefined ? (extras.get(number) ?? []).map((extra) => extra.event) : []),
    ];
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

  const knownMailbox = (mailbox: string): boolean => {
    const generated = /^u(\d+)@bench\.example$/.exec(mailbox);
    return options.fixed?.[mailbox] !== undefined || (generated !== null && Number(generated[1]) < count);
  };

  /** POSTs to a URL of hanvisa's with Graph's timeouts; resolves with the status (0: no answer in time). */
  async function callBack(target: string, body: string | null, contentType: string, timeoutMs: number) {
    const started = Date.now();
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        ...(body === null ? {} : { body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return {
        status: response.status,
        text,
        contentType: response.headers.get('content-type') ?? '',
        ms: Date.now() - started,
      };
    } catch {
      return { status: 0, text: '', contentType: '', ms: Date.now() - started };
    }
  }

  /** Graph's validation handshake: the token must come back as text/plain with 200 within 10 s. */
  async function validate(target: string): Promise<boolean> {
    stats.validationsSent++;
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const separator = target.includes('?') ? '&' : '?';
    const answer = await callBack(
      `${target}${separator}validationToken=${encodeURIComponent(token)}`,
      null,
      'text/plain; charset=utf-8',
      10_000,
    );
    return answer.status === 200 && answer.text === token && answer.contentType.startsWith('text/plain');
  }

  const live = (mailbox: string) =>
    [...subscriptions.values()].filter((item) => item.mailbox === mailbox && item.expiresAt > clock());

  async function deliver(
    subscription: MockSubscription,
    items: object[],
    lifecycle: boolean,
  ): Promise<number> {
    const target = lifecycle
      ? (subscription.lifecycleNotificationUrl ?? subscription.notificationUrl)
      : subscription.notificationUrl;
    stats.notificationsSent++;
    const answer = await callBack(
      target,
      JSON.stringify({ value: items }),
      'application/json; charset=utf-8',
      30_000,
    );
    if (answer.status < 200 || answer.status >= 300) stats.notificationsFailed++;
    if (answer.ms > 3_000) stats.notificationsSlow++;
    return answer.status;
  }

  function changeItem(subscription: MockSubscription, clientState: string | null): object {
    const eventId = `AAMkAGI2-${randomUUID()}=`;
    return {
      subscriptionId: subscription.id,
      subscriptionExpirationDateTime: new Date(subscription.expiresAt).toISOString(),
      changeType: 'updated',
      resource: `Users/${subscription.mailbox.replace(/@.*/, '')}/Events/${eventId}`,
      resourceData: {
        '@odata.type': '#Microsoft.Graph.Event',
        '@odata.id': `Users/x/Events/${eventId}`,
        id: eventId,
      },
      clientState,
      tenantId: options.tenantId ?? '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77',
    };
  }

  async function notifyMailbox(
    mailbox: string,
    notifyOptions: { count?: number; clientState?: string } = {},
  ) {
    const statuses: Promise<number>[] = [];
    for (const subscription of live(mailbox)) {
      for (let index = 0; index < (notifyOptions.count ?? 1); index++) {
        statuses.push(
          deliver(
            subscription,
            [changeItem(subscription, notifyOptions.clientState ?? subscription.clientState)],
            false,
          ),
        );
      }
    }
    return Promise.all(statuses);
  }

  function subscriptionJson(item: MockSubscription) {
    return {
      id: item.id,
      resource: item.resource,
      changeType: item.changeType,
      notificationUrl: item.notificationUrl,
      lifecycleNotificationUrl: item.lifecycleNotificationUrl,
      expirationDateTime: new Date(item.expiresAt).toISOString(),
      clientState: item.clientState,
      applicationId: '3f0e5a61-7c2d-4b8e-9a1f-0d6c4e2b7a90',
      latestSupportedTlsVersion: 'v1_2',
    };
  }

  const invalid = (message: string): [number, unknown] => {
    stats.subscriptionsRefused++;
    return [400, { error: { code: 'InvalidRequest', message } }];
  };

  /** The subscription resource: POST (with the validation handshake), PATCH, DELETE, GET. */
  async function subscriptionAnswer(
    method: string,
    id: string | null,
    text: string,
  ): Promise<[number, unknown]> {
    const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    if (method === 'GET' && id === null) {
      return [
        200,
        {
          value: [...subscriptions.values()].filter((item) => item.expiresAt > clock()).map(subscriptionJson),
        },
      ];
    }
    if (method === 'POST' && id === null) {
      const resource = String(body.resource ?? '');
      const match = /^\/?users\/([^/]+)\/events$/i.exec(resource);
      if (match === null) return invalid(`unsupported resource ${resource}`);
      const mailbox = decodeURIComponent(match[1] ?? '');
      countSubscription(mailbox);
      if (!knownMailbox(mailbox)) {
        stats.subscriptionsRefused++;
        return [404, { error: { code: 'ResourceNotFound', message: 'The user is invalid.' } }];
      }
      const expiresAt = Date.parse(String(body.expirationDateTime ?? ''));
      if (Number.isNaN(expiresAt) || expiresAt <= clock())
        return invalid('expirationDateTime is missing or past');
      if (expiresAt - clock() > MAX_EVENT_SUBSCRIPTION_MS)
        return invalid('Subscription expiration can only be 10080 minutes in the future.');
      if (typeof body.clientState === 'string' && body.clientState.length > 128)
        return invalid('clientState is longer than 128 characters');
      const notificationUrl = String(body.notificationUrl ?? '');
      const lifecycleNotificationUrl =
        typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null;
      if (
        !(await validate(notificationUrl)) ||
        (lifecycleNotificationUrl !== null && !(await validate(lifecycleNotificationUrl)))
      ) {
        return invalid(
          'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
        );
      }
      const item: MockSubscription = {
        id: `7f105c7d-2dc5-4530-97cd-${String(++subscriptionCounter).padStart(12, '0')}`,
        mailbox,
        resource,
        changeType: String(body.changeType ?? ''),
        notificationUrl,
        lifecycleNotificationUrl,
        clientState: typeof body.clientState === 'string' ? body.clientState : null,
        expiresAt,
      };
      subscriptions.set(item.id, item);
      stats.subscriptionsCreated++;
      return [201, subscriptionJson(item)];
    }
    const item = id === null ? undefined : subscriptions.get(id);
    if (item === undefined || item.expiresAt <= clock()) {
      return [404, { error: { code: 'ResourceNotFound', message: 'The object was not found.' } }];
    }
    countSubscription(item.mailbox);
    if (method === 'PATCH') {
      const expiresAt = Date.parse(String(body.expirationDateTime ?? ''));
      if (Number.isNaN(expiresAt) || expiresAt - clock() > MAX_EVENT_SUBSCRIPTION_MS)
        return invalid('Subscription expiration can only be 10080 minutes in the future.');
      item.expiresAt = expiresAt;
      stats.subscriptionsRenewed++;
      return [200, subscriptionJson(item)];
    }
    if (method === 'DELETE') {
      subscriptions.delete(item.id);
      stats.subscriptionsDeleted++;
      return [204, null];
    }
    return [200, subscriptionJson(item)];
  }

  const graphServer = http.createServer({ keepAlive: true }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    stats.graphRequests++;
    const subscriptionPath = /^\/v1\.0\/subscriptions(?:\/([^/]+))?$/.exec(url.pathname);
    if (subscriptionPath) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.headers.authorization !== 'Bearer mock-access-token') {
          send(res, 401, {
            error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' },
          });
          return;
        }
        const id = subscriptionPath[1] === undefined ? null : decodeURIComponent(subscriptionPath[1]);
        setTimeout(() => {
          subscriptionAnswer(req.method ?? 'GET', id, Buffer.concat(chunks).toString('utf8')).then(
            ([status, body]) => {
              if (status === 204) {
                res.writeHead(204);
                res.end();
              } else send(res, status, body);
            },
            (error: unknown) =>
              send(res, 500, { error: { code: 'InternalServerError', message: String(error) } }),
          );
        }, options.latencyMs);
      });
      return;
    }
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
    change(share: number, changeOptions = {}) {
      const step = Math.max(1, Math.round(1 / share));
      let changed = 0;
      for (let index = 0; index < count; index += step) {
        generations[index] = (generations[index] ?? 0) + 1;
        changed++;
        if (changeOptions.notify) void notifyMailbox(`u${index}@bench.example`);
      }
      return changed;
    },
    async addEvent(mailbox, event, addOptions = {}) {
      const generated = /^u(\d+)@bench\.example$/.exec(mailbox);
      const number = generated ? Number(generated[1]) : -1;
      if (!(number >= 0 && number < count))
        throw new Error('addEvent: only generated mailboxes u<n>@bench.example');
      const gen = (generations[number] ?? 0) + 1;
      generations[number] = gen;
      const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}.0000000`;
      const list = extras.get(number) ?? [];
      list.push({
        gen,
        event: {
          '@odata.etag': `W/"ck-extra-${number}-${gen}"`,
          id: `AAMkAGI2-extra-${number}-${gen}=`,
          type: 'singleInstance',
          seriesMasterId: null,
          subject: event.subject,
          isAllDay: false,
          isCancelled: false,
          isOrganizer: true,
          sensitivity: 'normal',
          showAs: 'busy',
          createdDateTime: new Date(clock()).toISOString(),
          lastModifiedDateTime: new Date(clock()).toISOString(),
          originalStartTimeZone: 'W. Europe Standard Time',
          start: { dateTime: iso(event.start), timeZone: 'UTC' },
          end: { dateTime: iso(event.end), timeZone: 'UTC' },
        },
      });
      extras.set(number, list);
      const added = extraGenerations.get(number) ?? new Set<number>();
      added.add(gen);
      extraGenerations.set(number, added);
      if (addOptions.notify ?? true) await notifyMailbox(mailbox);
    },
    subscriptions() {
      return [...subscriptions.values()].filter((item) => item.expiresAt > clock());
    },
    notify: notifyMailbox,
    async lifecycle(mailbox, event) {
      const statuses: Promise<number>[] = [];
      for (const subscription of live(mailbox)) {
        if (event === 'subscriptionRemoved') subscriptions.delete(subscription.id);
        statuses.push(
          deliver(
            subscription,
            [
              {
                subscriptionId: subscription.id,
                subscriptionExpirationDateTime: new Date(subscription.expiresAt).toISOString(),
                tenantId: options.tenantId ?? '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77',
                clientState: subscription.clientState,
                lifecycleEvent: event,
              },
            ],
            true,
          ),
        );
      }
      return Promise.all(statuses);
    },
    deltaRequests(mailbox) {
      return deltaCounts.get(mailbox) ?? 0;
    },
    subscriptionRequests(mailbox) {
      return subscriptionCounts.get(mailbox) ?? 0;
    },
    resetStats() {
      Object.assign(stats, {
        graphRequests: 0,
        innerRequests: 0,
        tokenRequests: 0,
        throttled: 0,
        peakInFlight: 0,
        peakPerMailbox: 0,
        subscriptionsCreated: 0,
        subscriptionsRenewed: 0,
        subscriptionsDeleted: 0,
        subscriptionsRefused: 0,
        validationsSent: 0,
        notificationsSent: 0,
        notificationsFailed: 0,
        notificationsSlow: 0,
      });
      deltaCounts.clear();
      subscriptionCounts.clear();
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
