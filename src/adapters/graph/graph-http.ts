import {
  Client,
  type Context,
  HTTPMessageHandler,
  type Middleware,
  type MiddlewareOptions,
  ResponseType,
} from '@microsoft/microsoft-graph-client';
import { PermanentError, TransientError } from '../../domain/errors.js';
import { retryAfterMs } from '../http/retry-after.js';
import { RequestLimiter } from './concurrency-limiter.js';
import type { TokenProvider } from './graph-auth.js';
import { graphFailure, type RequestSubject } from './graph-errors.js';

/** How hanvisa talks to Graph; defaults are Exchange's documented limits and a retry budget that stays below the queue's. */
export interface GraphHttpSettings {
  readonly baseUrl: string;
  readonly tokens: TokenProvider;
  /** At most this many requests in flight in this process (graph.maxConcurrency). */
  readonly maxConcurrency: number;
  /** At most this many in flight per mailbox: Exchange answers 429 above 4. */
  readonly perMailboxConcurrency?: number;
  /** Retries of one request after 429/503/504/network errors (default 2, so 3 attempts). */
  readonly maxRetries?: number;
  /** A Retry-After longer than this is not waited out here: the calendar fails transiently with retryAfterMs and the queue waits. */
  readonly maxRetryDelayMs?: number;
  readonly requestTimeoutMs?: number;
  /**
   * Send GETs of different mailboxes together in JSON $batch requests of up to this many (Graph
   * allows 20). 1 (the default) sends each request alone. Inner requests still hold their mailbox's
   * slot, and inner 429/503/504 are retried like single ones.
   */
  readonly batchSize?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** A Graph answer with its body read: JSON parsed (`body`) or, for a non-2xx that is not JSON, null. */
export interface GraphResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface GraphRequestOptions {
  /** The mailbox the request is about, for the per-mailbox limit (kept in memory only). */
  readonly mailbox: string;
  readonly subject: RequestSubject;
  readonly headers?: Readonly<Record<string, string>>;
}

interface BatchItem {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly subject: RequestSubject;
}

/** One inner answer of a $batch response. */
interface BatchAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

interface QueuedRequest {
  readonly item: BatchItem;
  readonly resolve: (answer: BatchAnswer) => void;
  readonly reject: (error: unknown) => void;
}

/** Counts for tests and the benchmark. */
export interface GraphHttpStats {
  /** HTTP requests sent (a $batch counts once). */
  requests: number;
  /** Requests that travelled inside a $batch. */
  batched: number;
  retries: number;
  throttled: number;
}

/** Per-request settings handed down the middleware chain (the Graph client's MiddlewareControl). */
class RequestContext implements MiddlewareOptions {
  /** A typed error a middleware raised; the Graph client wraps thrown errors in GraphError, this keeps the original. */
  failure: unknown = null;
  /** The body of the last answer, read while the request still held its slots. */
  text = '';
  /** null: a request of no mailbox (a $batch), held only by the global limit. */
  constructor(readonly mailbox: string | null) {}
}

function requestContext(context: Context): RequestContext | undefined {
  return context.middlewareControl?.getMiddlewareOptions(RequestContext) as RequestContext | undefined;
}

function setHeader(context: Context, name: string, value: string): void {
  const options = context.options ?? {};
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else
    context.options = {
      ...options,
      headers: { ...(headers as Record<string, string> | undefined), [name]: value },
    };
}

const RETRYABLE = new Set([429, 503, 504]);
const NULL_BODY = new Set([101, 204, 205, 304]);

abstract class Link implements Middleware {
  protected next: Middleware | undefined;
  setNext(next: Middleware): void {
    this.next = next;
  }
  protected async pass(context: Context): Promise<void> {
    if (this.next === undefined) throw new Error('graph middleware chain has no next handler');
    await this.next.execute(context);
  }
  abstract execute(context: Context): Promise<void>;
}

/** Adds the bearer token; after a 401, asks MSAL for a fresh token (bypassing its cache) and tries once more. */
class TokenMiddleware extends Link {
  constructor(private readonly tokens: TokenProvider) {
    super();
  }
  async execute(context: Context): Promise<void> {
    setHeader(context, 'Authorization', `Bearer ${await this.#token(context, false)}`);
    await this.pass(context);
    if (context.response?.status === 401) {
      setHeader(context, 'Authorization', `Bearer ${await this.#token(context, true)}`);
      await this.pass(context);
    }
  }
  async #token(context: Context, fresh: boolean): Promise<string> {
    try {
      return await this.tokens.getToken(fresh);
    } catch (error) {
      const request = requestContext(context);
      if (request !== undefined) request.failure = error;
      throw error;
    }
  }
}

/**
 * Our own bounded retry instead of the Graph client's RetryHandler (which waits up to 180 s a
 * time, 3 times, and whose waits would stack with the queue's retries): at most `maxRetries`
 * retries, each waiting what Retry-After says (seconds or an HTTP date) or a short backoff,
 * and never longer than `maxRetryDelayMs`. When the budget is spent the last answer goes up as
 * it is, and the caller raises a TransientError carrying Retry-After for the queue.
 */
class RetryMiddleware extends Link {
  constructor(
    private readonly settings: Required<
      Pick<GraphHttpSettings, 'maxRetries' | 'maxRetryDelayMs' | 'sleep' | 'now'>
    >,
    private readonly stats: GraphHttpStats,
  ) {
    super();
  }
  async execute(context: Context): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let failure: unknown = null;
      try {
        await this.pass(context);
      } catch (error) {
        failure = error;
      }
      const status = failure === null ? (context.response?.status ?? 0) : 0;
      if (failure === null && !RETRYABLE.has(status)) return;
      if (status === 429) this.stats.throttled++;
      const asked =
        failure === null
          ? retryAfterMs(context.response?.headers.get('retry-after'), this.settings.now())
          : null;
      const delay = asked ?? Math.min(500 * 2 ** attempt, 4_000);
      if (attempt >= this.settings.maxRetries || delay > this.settings.maxRetryDelayMs) {
        if (failure !== null) throw failure;
        return;
      }
      this.stats.retries++;
      await this.settings.sleep(delay);
    }
  }
}

/** Holds a mailbox slot and a global slot for exactly one HTTP exchange, body included, then lets go. */
class LimitMiddleware extends Link {
  constructor(
    private readonly limiter: RequestLimiter,
    private readonly timeoutMs: number,
    private readonly stats: GraphHttpStats,
  ) {
    super();
  }
  async execute(context: Context): Promise<void> {
    const request = requestContext(context);
    await this.limiter.run(request === undefined ? '' : request.mailbox, async () => {
      context.options = { ...context.options, signal: AbortSignal.timeout(this.timeoutMs) };
      this.stats.requests++;
      await this.pass(context);
      const response = context.response;
      if (response === undefined) return;
      const text = NULL_BODY.has(response.status) ? '' : await response.text();
      if (request !== undefined) request.text = text;
    });
  }
}

/**
 * Graph over HTTP: the Graph client with our own middleware chain (token with one 401 retry,
 * bounded retry, per-mailbox and global concurrency limits, the client's HTTPMessageHandler).
 * `get` returns any final answer except a transient one; transient ones (429/503/504 after the
 * retry budget, network errors, timeouts, a 2xx body that is not JSON) throw TransientError.
 */
export class GraphHttp {
  readonly stats: GraphHttpStats = { requests: 0, batched: 0, retries: 0, throttled: 0 };
  readonly #client: Client;
  readonly #base: URL;
  readonly #now: () => number;
  readonly #limiter: RequestLimiter;
  readonly #batchSize: number;
  readonly #retry: { maxRetries: number; maxRetryDelayMs: number; sleep: (ms: number) => Promise<void> };
  #queue: QueuedRequest[] = [];
  #flushScheduled = false;

  constructor(settings: GraphHttpSettings) {
    this.#base = new URL(settings.baseUrl.replace(/\/+$/, ''));
    const segments = this.#base.pathname.split('/').filter((part) => part !== '');
    const version = segments.pop() ?? 'v1.0';
    const host = `${this.#base.origin}${segments.length > 0 ? `/${segments.join('/')}` : ''}`;
    this.#now = settings.now ?? Date.now;
    const limiter = new RequestLimiter(settings.maxConcurrency, settings.perMailboxConcurrency ?? 4);
    this.#limiter = limiter;
    this.#batchSize = Math.min(20, Math.max(1, settings.batchSize ?? 1));
    this.#retry = {
      maxRetries: settings.maxRetries ?? 2,
      maxRetryDelayMs: settings.maxRetryDelayMs ?? 10_000,
      sleep: settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
    this.#client = Client.initWithMiddleware({
      baseUrl: host,
      defaultVersion: version,
      middleware: [
        new TokenMiddleware(settings.tokens),
        new RetryMiddleware({ ...this.#retry, now: this.#now }, this.stats),
        new LimitMiddleware(limiter, settings.requestTimeoutMs ?? 30_000, this.stats),
        new HTTPMessageHandler(),
      ],
    });
  }

  /** The path below graph.baseUrl of a link Graph returned; refuses links to other hosts (the token must not travel). */
  relativeLink(link: string, subject: RequestSubject): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new TransientError(
        `${subject.label}: Graph returned an unreadable paging link; the round starts again next cycle`,
      );
    }
    const basePath = this.#base.pathname.replace(/\/+$/, '');
    if (url.origin !== this.#base.origin || !url.pathname.startsWith(`${basePath}/`)) {
      throw new PermanentError(
        `${subject.label}: Graph returned a paging link outside graph.baseUrl; check graph.baseUrl`,
      );
    }
    return `${url.pathname.slice(basePath.length)}${url.search}`;
  }

  async get(path: string, options: GraphRequestOptions): Promise<GraphResponse> {
    if (this.#batchSize > 1) return this.#batchedGet(path, options);
    return this.#send(path, options.mailbox, options);
  }

  /**
   * A write (POST, PATCH or DELETE with a JSON body) through the same chain as `get`: token,
   * bounded retry, the mailbox's and the global limits. Never batched. Used for subscriptions.
   */
  async write(
    method: 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: GraphRequestOptions & { readonly body?: unknown },
  ): Promise<GraphResponse> {
    return this.#send(path, options.mailbox, {
      subject: options.subject,
      headers: { 'Content-Type': 'application/json', ...options.headers },
      method,
      ...(options.body === undefined ? {} : { post: options.body }),
    });
  }

  /** One HTTP exchange through the middleware chain; `mailbox` null for a $batch (global limit only). */
  async #send(
    path: string,
    mailbox: string | null,
    options: {
      subject: RequestSubject;
      headers?: Readonly<Record<string, string>>;
      post?: unknown;
      method?: 'POST' | 'PATCH' | 'DELETE';
    },
  ): Promise<GraphResponse> {
    let response: Response;
    const context = new RequestContext(mailbox);
    try {
      let request = this.#client.api(path).responseType(ResponseType.RAW).middlewareOptions([context]);
      if (options.headers !== undefined) request = request.headers({ ...options.headers });
      response = (await (options.method === 'PATCH'
        ? request.patch(options.post)
        : options.method === 'DELETE'
          ? request.delete()
          : options.post === undefined
            ? request.get()
            : request.post(options.post))) as Response;
    } catch (error) {
      if (context.failure instanceof PermanentError || context.failure instanceof TransientError)
        throw context.failure;
      if (error instanceof PermanentError || error instanceof TransientError) throw error;
      const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'could not be reached';
      throw new TransientError(`${options.subject.label}: Graph ${reason}; tried again next cycle`, {
        cause: error,
      });
    }
    const text = context.text;
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        if (response.ok) {
          throw new TransientError(
            `${options.subject.label}: Graph returned a response that is not valid JSON; nothing was changed and the round starts again next cycle`,
          );
        }
      }
    }
    if (RETRYABLE.has(response.status)) {
      throw graphFailure(
        response.status,
        body,
        options.subject,
        retryAfterMs(response.headers.get('retry-after'), this.#now()),
      );
    }
    return { status: response.status, body, headers: response.headers };
  }

  /** A GET that travels in a $batch: holds its mailbox slot meanwhile; inner 429/503/504 retried within the same budget. */
  async #batchedGet(path: string, options: GraphRequestOptions): Promise<GraphResponse> {
    for (let attempt = 0; ; attempt++) {
      const release = await this.#limiter.holdKey(options.mailbox);
      let answer: BatchAnswer;
      try {
        answer = await new Promise<BatchAnswer>((resolve, reject) => {
          this.#queue.push({
            item: { path, headers: options.headers ?? {}, subject: options.subject },
            resolve,
            reject,
          });
          if (this.#queue.length >= this.#batchSize) this.#flush();
          else if (!this.#flushScheduled) {
            this.#flushScheduled = true;
            setImmediate(() => this.#flush());
          }
        });
      } finally {
        release();
      }
      const headers = new Headers(answer.headers);
      if (!RETRYABLE.has(answer.status)) {
        if (answer.status >= 200 && answer.status < 300 && typeof answer.body === 'string') {
          throw new TransientError(
            `${options.subject.label}: Graph returned a response that is not valid JSON; nothing was changed and the round starts again next cycle`,
          );
        }
        return { status: answer.status, body: answer.body ?? null, headers };
      }
      if (answer.status === 429) this.stats.throttled++;
      const asked = retryAfterMs(headers.get('retry-after'), this.#now());
      const delay = asked ?? Math.min(500 * 2 ** attempt, 4_000);
      if (attempt >= this.#retry.maxRetries || delay > this.#retry.maxRetryDelayMs) {
        throw graphFailure(answer.status, answer.body, options.subject, asked);
      }
      this.stats.retries++;
      await this.#retry.sleep(delay);
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#batchSize);
      void this.#sendBatch(batch);
    }
  }

  async #sendBatch(batch: QueuedRequest[]): Promise<void> {
    this.stats.batched += batch.length;
    const label = batch[0]?.item.subject ?? { label: 'Graph $batch', clientId: '' };
    try {
      const response = await this.#send('/$batch', null, {
        subject: { label: `${label.label} (in a $batch)`, clientId: label.clientId },
        headers: { 'Content-Type': 'application/json' },
        post: {
          requests: batch.map((entry, index) => ({
            id: String(index),
            method: 'GET',
            url: entry.item.path,
            headers: entry.item.headers,
          })),
        },
      });
      const answers = new Map<string, BatchAnswer>();
      const responses = (response.body as { responses?: (BatchAnswer & { id: string })[] } | null)?.responses;
      if (response.status !== 200 || !Array.isArray(responses)) {
        const failure = graphFailure(response.status, response.body, label);
        for (const entry of batch) entry.reject(failure);
        return;
      }
      for (const answer of responses) answers.set(String(answer.id), answer);
      batch.forEach((entry, index) => {
        const answer = answers.get(String(index));
        if (answer === undefined) {
          entry.reject(
            new TransientError(
              `${entry.item.subject.label}: a Graph $batch came back without this request's answer`,
            ),
          );
        } else entry.resolve(answer);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
