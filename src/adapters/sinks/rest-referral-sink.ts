import { setTimeout as sleep } from 'node:timers/promises';
import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError, TransientError } from '../../domain/errors.js';
import type { Plan } from '../../domain/reconcile.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';
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
    const tasks: (() => Promise<void>)[] = [
      ...[...plan.creates, ...plan.updates].map((entry) => () => this.#put(entry)),
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

  /** Whether the register answers (readiness). */
  async ping(): Promise<void> {
    await this.#request('GET', '?source=none', 'check the register', undefined, []);
  }

  async close(): Promise<void> {}

  async #put(entry: ReferralEntry): Promise<void> {
    const response = await this.#request(
      'PUT',
      `/${encodeURIComponent(entry.id)}`,
      `write entry ${entry.id}`,
      entry,
      [],
    );
    await response.body?.cancel();
  }

  async #delete(id: string): Promise<void> {
    const response = await this.#request(
      'DELETE',
      `/${encodeURIComponent(id)}`,
      `delete entry ${id}`,
      undefined,
      [404],
    );
    await response.body?.cancel();
  }

  async #request(
    method: string,
    suffix: string,
    what: string,
    body: unknown,
    alsoFine: readonly number[],
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
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
