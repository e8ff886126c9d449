import type { Redis } from 'ioredis';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** A held lock; `release` is safe to call more than once. */
export interface HeldLock {
  release(): Promise<void>;
}

/**
 * "Work of one key never runs twice at once" (a calendar's sync, an employee's deliveries),
 * across processes and hosts: a Redis key per job kind and key (SET NX PX with a random token),
 * renewed while the job runs and released only by its holder. A worker that dies leaves the
 * lock to expire after `ttlMs`, so its work is picked up again soon after, never while the old
 * run might still be writing.
 */
export class KeyLock {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, options: { prefix: string; ttlMs: number }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs;
  }

  /** Takes the lock, or returns null when someone else holds it. */
  async acquire(key: string, token: string): Promise<HeldLock | null> {
    const redisKey = `${this.#prefix}:lock:${key}`;
    const taken = await this.#redis.set(redisKey, token, 'PX', this.#ttlMs, 'NX');
    if (taken !== 'OK') return null;
    const timer = setInterval(
      () => {
        this.#redis.eval(RENEW, 1, redisKey, token, String(this.#ttlMs)).catch(() => {
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
        await this.#redis.eval(RELEASE, 1, redisKey, token);
      },
    };
  }
}
