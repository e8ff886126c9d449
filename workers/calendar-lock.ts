import type { Redis } from 'ioredis';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** A held lock; `release` is safe to call more than once. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * "A calendar is never synced by two workers at once", across processes and hosts: a Redis
 * key per calendar (SET NX PX with a random token), renewed while the sync runs and released
 * only by its holder. A worker that dies leaves the lock to expire after `ttlMs`, so its
 * calendar is picked up again soon after, never while the old sync might still be writing.
 */
export class CalendarLock {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, options: { prefix: string; ttlMs: number }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs;
  }

  /** Takes the lock, or returns null when someone else holds it. */
  async acquire(calendarId: string, token: string): Promise<HeldLock | null> {
    const key = `${this.#prefix}:lock:${calendarId}`;
    const taken = await this.#redis.set(key, token, 'PX', this.#ttlMs, 'NX');
    if (taken !== 'OK') return null;
    const timer = setInterval(
      () => {
        this.#redis.eval(RENEW, 1, key, token, String(this.#ttlMs)).catch(() => {
          // Redis away: the lock may expire; the job's own lock and idempotent writes cover the rest.
        });
      },
      Math.max(100, Math.floor(this.#ttlMs / 3)),
    );
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.#redis.eval(RELEASE, 1, key, token);
      },
    };
  }
}
