import { createHmac } from 'node:crypto';
import type { Mirror, MirrorChange } from '../../app/ports/mirror.js';
import { PermanentError, TransientError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { retryAfterMs } from '../http/retry-after.js';

export interface WebhookMirrorOptions {
  readonly name: string;
  readonly url: string;
  /** The shared secret (from the environment variable the config names). */
  readonly secret: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** The headers of a signed delivery. */
export const WEBHOOK_HEADERS = {
  signature: 'hanvisa-signature',
  timestamp: 'hanvisa-timestamp',
  delivery: 'hanvisa-delivery',
} as const;

/**
 * The signature of a delivery: HMAC-SHA256 with the shared secret over
 * `<timestamp>.<raw body>` (timestamp in Unix seconds), hex, sent as `sha256=<hex>`. Signing
 * the timestamp with the body lets a receiver refuse an old delivery replayed as new.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON a webhook receives: the change and the entry fields of the REST contract, never a subject. */
export function webhookBody(change: MirrorChange): string {
  return JSON.stringify({
    delivery: `${change.ref}.${change.version}`,
    version: change.version,
    change: change.change,
    occurredAt: change.occurredAt,
    entry: change.entry,
  });
}

const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The signed webhook mirror (`mirrors: [{ kind: webhook, url, secretEnv }]`): one POST per
 * change, JSON, with `hanvisa-timestamp`, `hanvisa-signature` and `hanvisa-delivery` (the
 * entry id and version: a receiver that has seen it answers 2xx and ignores it). 2xx is
 * delivered; 408/425/429/5xx and network errors are transient (Retry-After honoured); any
 * other answer is permanent. Messages name the mirror, never the URL.
 */
export class WebhookMirror implements Mirror {
  readonly name: string;
  readonly kind = 'webhook';
  readonly receives = 'entries' as const;
  readonly #options: WebhookMirrorOptions;

  constructor(options: WebhookMirrorOptions) {
    this.name = options.name;
    this.#options = options;
  }

  async deliver(change: MirrorChange, now: Instant): Promise<void> {
    const body = webhookBody(change);
    const timestamp = Math.floor(now / 1000);
    const what = `mirror ${this.name}: ${change.change} of entry ${change.ref} (version ${change.version})`;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(this.#options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: webhookSignature(this.#options.secret, timestamp, body),
          [WEBHOOK_HEADERS.delivery]: `${change.ref}.${change.version}`,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      const name = (error as Error).name;
      throw new TransientError(
        `${what}: ${name === 'TimeoutError' ? 'no answer in time' : 'cannot connect'}; tried again later`,
        { cause: error },
      );
    }
    await response.body?.cancel();
    if (response.ok) return;
    if (TRANSIENT.has(response.status)) {
      throw new TransientError(`${what}: the receiver answered ${response.status}; tried again later`, {
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), now),
      });
    }
    throw new PermanentError(
      `${what}: the receiver answered ${response.status}; check the receiver and its secret, the change is parked`,
    );
  }
}
