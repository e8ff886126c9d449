import { setTimeout as sleep } from 'node:timers/promises';
import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError, TransientError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { type Plan, planOwnershipProblem } from '../../domain/reconcile.js';
import { CALENDAR_SOURCE, isCalendarOwned, type ReferralEntry } from '../../domain/referral-entry.js';
import { retryAfterMs as parseRetryAfter } from '../http/retry-after.js';

export type RestSinkAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly user: string; readonly password: string };

export interface RestSinkOptions {
  /** Base URL of the register; `/referrals` is appended. */
  readonly url: string;
  readonly auth: RestSinkAuth;
  /** Tries per request on 5xx, 429 and network errors (default 3). */
  readonly attempts?: number;
  /** First retry pause; doubles with jitter (default 200 ms). */
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
  /** Requests in flight per plan (default 8). */
  readonly concurrency?: number;
  readonly fetch?: typeof fetch;
}

const WHERE = 'the referral register (sink.url)';

/**
 * The `rest` sink: writes to a register that speaks hanvisa's REST contract
 * (openapi/referral-register.yaml), hanvisa's own served register or a vendor's.
 * `apply` is a PUT per created or updated entry and a DELETE per deleted one; every request is
 * idempotent (upsert by id, delete by id, 404 on delete counts as done), so a plan that failed
 * half-way is simply applied again by the retried job. 5xx, 429 and network errors are retried
 * with backoff and end in a TransientError; other 4xx are a PermanentError. Messages name the
 * entry id and status, never the URL or credentials.
 *
 * Ownership: it sends only calendar entries of the plan's calendar (`planOwnershipProblem`),
 * and never overwrites or deletes an entry that is not calendar-owned in the register: a
 * create is a create-only PUT (`If-None-Match: *`); an update or delete, and a create that
 * found the id taken, first reads the entry and writes only when it is calendar-owned, with
 * `If-Match` on the version it read, so a manual write in between is not lost.
 */
export class RestReferralSink implements ReferralSink {
  readonly #base: string;
  readonly #authorization: string | null;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #fetch: typeof fetch;

  constructor(options: RestSinkOptions) {
    this.#base = `${options.url.replace(/\/+$/, '')}/referrals`;
    this.#authorization =
      options.auth.kind === 'bearer'
        ? `Bearer ${options.auth.token}`
        : options.auth.kind === 'basic'
          ? `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`
          : null;
    this.#attempts = options.attempts ?? 3;
    this.#retryDelayMs = options.retryDelayMs ?? 200;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#concurrency = options.concurrency ?? 8;
    this.#fetch = options.fetch ?? fetch;
  }

  async list(query: ReferralQuery): Promise<ReferralEntry[]> {
    const params = new URLSearchParams();
    for (const key of ['employee', 'source', 'calendar'] as const) {
      const value = query[key];
      if (value !== undefined) params.set(key, value);
    }
    const response = await this.#request(
      'GET',
      params.size > 0 ? `?${params}` : '',
      'list entries',
      undefined,
      [],
    );
    const body = (await response.json()) as { entries?: (ReferralEntry & { version?: number })[] };
    if (!Array.isArray(body.entries))
      throw new PermanentError(`${WHERE}: the list answer has no "entries" array`);
    return body.entries.map(({ version: _version, ...entry }) => entry);
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) {
      throw new PermanentError(
        `calendar ${plan.calendar}: refusing to apply a plan the mass-delete guard stopped`,
      );
    }
    const problem = planOwnershipProblem(plan);
    if (problem !== null) throw new PermanentError(problem);
    const tasks: (() => Promise<void>)[] = [
      ...plan.creates.map((entry) => () => this.#create(entry)),
      ...plan.updates.map((entry) => () => this.#update(entry)),
      ...plan.deletes.map((entry) => () => this.#delete(entry.id)),
    ];
    let next = 0;
    const run = async () => {
      while (next < tasks.length) {
        const task = tasks[next++] as () => Promise<void>;
        await task();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, tasks.length) }, run));
  }

  async get(id: string): Promise<ReferralEntry | null> {
    return (await this.#getVersioned(id))?.entry ?? null;
  }

  async ownedCalendars(): Promise<string[]> {
    const entries = await this.list({ source: CALENDAR_SOURCE });
    return [...new Set(entries.map((entry) => entry.sourceRef.calendar))].sort();
  }

  /** Only hanvisa's own entries: the rest of a register hanvisa merely writes to is not its to prune. */
  async pruneEnded(before: Instant): Promise<number> {
    const ended = (await this.list({ source: CALENDAR_SOURCE })).filter(
      (entry) => isCalendarOwned(entry) && entry.end < before,
    );
    for (const entry of ended) await this.#delete(entry.id);
    return ended.length;
  }

  /** Whether the register answers (readiness). */
  async ping(): Promise<void> {
    await this.#request('GET', '?source=none', 'check the register', undefined, []);
  }

  async close(): Promise<void> {}

  /** Creates an entry (create-only); when the id is taken, handles it like an update. */
  async #create(entry: ReferralEntry): Promise<void> {
    const response = await this.#request(
      'PUT',
      `/${encodeURIComponent(entry.id)}`,
      `write entry ${entry.id}`,
      entry,
      [412],
      { 'if-none-match': '*' },
    );
    await response.body?.cancel();
    if (response.status === 412) await this.#update(entry);
  }

  /** Updates an entry the register holds as calendar-owned; leaves any other entry alone. */
  async #update(entry: ReferralEntry): Promise<void> {
    const current = await this.#getVersioned(entry.id);
    if (current !== null && !isCalendarOwned(current.entry)) return;
    const response = await this.#request(
      'PUT',
      `/${encodeURIComponent(entry.id)}`,
      `write entry ${entry.id}`,
      entry,
      [],
      current === null ? { 'if-none-match': '*' } : { 'if-match': `"${current.version}"` },
    );
    await response.body?.cancel();
  }

  async #delete(id: string): Promise<void> {
    const current = await this.#getVersioned(id);
    if (current === null || !isCalendarOwned(current.entry)) return;
    const response = await this.#request(
      'DELETE',
      `/${encodeURIComponent(id)}`,
      `delete entry ${id}`,
      undefined,
      [404],
      { 'if-match': `"${current.version}"` },
    );
    await response.body?.cancel();
  }

  async #getVersioned(id: string): Promise<{ entry: ReferralEntry; version: number } | null> {
    const response = await this.#request(
      'GET',
      `/${encodeURIComponent(id)}`,
      `read entry ${id}`,
      undefined,
      [404],
    );
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    const { version, ...entry } = (await response.json()) as ReferralEntry & { version: number };
    return { entry, version };
  }

  async #request(
    method: string,
    suffix: string,
    what: string,
    body: unknown,
    alsoFine: readonly number[],
    conditions: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...conditions };
    if (this.#authorization !== null) headers.authorization = this.#authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let lastProblem = '';
    let retryAfterMs: number | null = null;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) {
        const backoff = this.#retryDelayMs * 2 ** (attempt - 2);
        await sleep(Math.max(retryAfterMs ?? 0, backoff / 2 + Math.random() * (backoff / 2)));
      }
      let response: Response;
      try {
        response = await this.#fetch(`${this.#base}${suffix}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(this.#timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        const name = (error as Error).name;
        lastProblem = name === 'TimeoutError' ? `no answer within ${this.#timeoutMs} ms` : 'cannot connect';
        retryAfterMs = null;
        continue;
      }
      if (response.ok || alsoFine.includes(response.status)) return response;
      await response.body?.cancel();
      if (response.status === 429 || response.status >= 500) {
        lastProblem = `answered ${response.status}`;
        const asked = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        retryAfterMs = asked === null || asked === 0 ? null : Math.min(asked, 60_000);
        continue;
      }
      const hint =
        response.status === 401 || response.status === 403
          ? ': check sink.auth and HANVISA_SINK_TOKEN or HANVISA_SINK_USER/HANVISA_SINK_PASSWORD'
          : '';
      throw new PermanentError(`${WHERE}: ${what}: answered ${response.status}${hint}`);
    }
    // No retryAfterMs on purpose: the queue pauses for Graph's Retry-After only, not the register's.
    throw new TransientError(
      `${WHERE}: ${what}: ${lastProblem} after ${this.#attempts} tries; tried again later`,
    );
  }
}
