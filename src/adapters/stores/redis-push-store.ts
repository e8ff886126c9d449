import type { Redis } from 'ioredis';
import type { PushSubscription, PushSubscriptionStore } from '../../app/ports/push-subscription-store.js';

/** Replaces a record and its id index in one step: the old id stops resolving as the new one starts. */
const PUT = `
local before = redis.call('HGET', KEYS[1], ARGV[1])
if before then
  local old = cjson.decode(before).subscriptionId
  if type(old) == 'string' then redis.call('HDEL', KEYS[2], old) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[1]) end
return 1`;

const REMOVE = `
local before = redis.call('HGET', KEYS[1], ARGV[1])
if before then
  local old = cjson.decode(before).subscriptionId
  if type(old) == 'string' then redis.call('HDEL', KEYS[2], old) end
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1`;

const TAKE = `
local at = redis.call('HGET', KEYS[1], ARGV[1])
if at then redis.call('HDEL', KEYS[1], ARGV[1]) end
return at`;

/**
 * Push subscriptions in the distributed runtime's Redis, so every worker host can verify a
 * notification and renew: `<prefix>:push:sub` (hash calendar → JSON record) and
 * `<prefix>:push:id` (hash Graph subscription id → calendar), `<prefix>:push:notified` (hash
 * calendar → the earliest pending notification time). Writes are Lua scripts, atomic
 * per call. Records hold ids, instants and a hash of the clientState, never an address.
 */
export class RedisPushStore implements PushSubscriptionStore {
  readonly #redis: Redis;
  readonly #records: string;
  readonly #ids: string;
  readonly #notified: string;

  constructor(redis: Redis, options: { prefix?: string } = {}) {
    this.#redis = redis;
    const prefix = options.prefix ?? 'hanvisa';
    this.#records = `${prefix}:push:sub`;
    this.#ids = `${prefix}:push:id`;
    this.#notified = `${prefix}:push:notified`;
  }

  async markNotified(calendar: string, at: number): Promise<void> {
    await this.#redis.hsetnx(this.#notified, calendar, String(at));
  }

  async takeNotified(calendar: string): Promise<number | null> {
    const at = (await this.#redis.eval(TAKE, 1, this.#notified, calendar)) as string | null;
    return at === null ? null : Number(at);
  }

  async get(calendar: string): Promise<PushSubscription | null> {
    const text = await this.#redis.hget(this.#records, calendar);
    return text === null ? null : (JSON.parse(text) as PushSubscription);
  }

  async bySubscriptionId(subscriptionId: string): Promise<PushSubscription | null> {
    const calendar = await this.#redis.hget(this.#ids, subscriptionId);
    if (calendar === null) return null;
    const record = await this.get(calendar);
    return record?.subscriptionId === subscriptionId ? record : null;
  }

  async put(subscription: PushSubscription): Promise<void> {
    await this.#redis.eval(
      PUT,
      2,
      this.#records,
      this.#ids,
      subscription.calendar,
      JSON.stringify(subscription),
      subscription.subscriptionId ?? '',
    );
  }

  async remove(calendar: string): Promise<void> {
    await this.#redis.eval(REMOVE, 2, this.#records, this.#ids, calendar);
  }

  async list(): Promise<PushSubscription[]> {
    const all = await this.#redis.hvals(this.#records);
    return all.map((text) => JSON.parse(text) as PushSubscription);
  }

  async counts(): Promise<{ active: number; failing: number }> {
    let active = 0;
    let failing = 0;
    for (const item of await this.list()) {
      if (item.status === 'active') active++;
      else failing++;
    }
    return { active, failing };
  }

  async close(): Promise<void> {}
}
