import type { Redis } from 'ioredis';
import type { SourceCursor } from '../../app/ports/calendar-source.js';
import type { CalendarSyncState, Finding, FindingQuery, StateStore } from '../../app/ports/state-store.js';
import type { Instant } from '../../domain/occurrence.js';

/**
 * First-seen with SET NX semantics, in one round trip: ZADD NX each key with `now` as its score,
 * then read the score that is stored. A sorted set, so retention is one ZREMRANGEBYSCORE.
 */
const MARK_SEEN = `
local out = {}
for i = 1, #ARGV - 1 do
  redis.call('ZADD', KEYS[1], 'NX', ARGV[#ARGV], ARGV[i])
  out[i] = redis.call('ZSCORE', KEYS[1], ARGV[i])
end
return out`;

/** Insert-once findings: the hash holds the finding, the sorted set orders keys by occurrence start. */
const ADD_FINDINGS = `
local added = 0
for i = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[i + 1], ARGV[i])
    added = added + 1
  end
end
return added`;

const PRUNE_FINDINGS = `
local keys = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for i = 1, #keys, 500 do
  redis.call('HDEL', KEYS[1], unpack(keys, i, math.min(i + 499, #keys)))
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
return #keys`;

/** SET NX then GET, in one round trip: every caller gets the value that was stored first. */
const ENSURE_SECRET = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`;

const BATCH = 1000;

/**
 * The state store of the distributed runtime, shared by every worker on every host. Keys live
 * under `prefix`: `state:<calendar>` (JSON), `secret:<name>` (the uid key), `seen:at` (sorted set: key scored by its first-seen instant, ZADD NX),
 * `finding` (hash key → JSON) with `finding:start` (sorted set by occurrence start). Every
 * write is idempotent and atomic per call (Lua), so a retried or duplicated job changes nothing.
 * Values hold ids, codes and instants only, never subject text or addresses.
 */
export class RedisStateStore implements StateStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ownsConnection: boolean;

  constructor(redis: Redis, options: { prefix?: string; ownsConnection?: boolean } = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'hanvisa';
    this.#ownsConnection = options.ownsConnection ?? false;
  }

  #key(name: string): string {
    return `${this.#prefix}:${name}`;
  }

  async getSyncState(calendar: string): Promise<CalendarSyncState | null> {
    const text = await this.#redis.get(this.#key(`state:${calendar}`));
    if (text === null) return null;
    const stored = JSON.parse(text) as Omit<CalendarSyncState, 'cursor' | 'registerDigest'> & {
      cursor: SourceCursor | null;
      registerDigest?: string | null;
    };
    return { ...stored, calendar, registerDigest: stored.registerDigest ?? null };
  }

  async putSyncState(state: CalendarSyncState): Promise<void> {
    await this.#redis.set(this.#key(`state:${state.calendar}`), JSON.stringify(state));
  }

  async deleteSyncState(calendar: string): Promise<void> {
    await this.#redis.del(this.#key(`state:${calendar}`));
  }

  async ensureSecret(name: string, candidate: string): Promise<string> {
    return (await this.#redis.eval(ENSURE_SECRET, 1, this.#key(`secret:${name}`), candidate)) as string;
  }

  async markSeen(keys: readonly string[], now: Instant): Promise<Map<string, Instant>> {
    const result = new Map<string, Instant>();
    for (let index = 0; index < keys.length; index += BATCH) {
      const batch = keys.slice(index, index + BATCH);
      const seen = (await this.#redis.eval(
        MARK_SEEN,
        1,
        this.#key('seen:at'),
        ...batch,
        String(now),
      )) as string[];
      batch.forEach((key, position) => {
        result.set(key, Number(seen[position]));
      });
    }
    return result;
  }

  async pruneSeen(before: Instant): Promise<number> {
    return this.#redis.zremrangebyscore(this.#key('seen:at'), '-inf', `(${before}`);
  }

  async addFindings(findings: readonly Finding[]): Promise<number> {
    let added = 0;
    for (let index = 0; index < findings.length; index += BATCH) {
      const args = findings
        .slice(index, index + BATCH)
        .flatMap((finding) => [finding.key, String(finding.occurrenceStart), JSON.stringify(finding)]);
      added += (await this.#redis.eval(
        ADD_FINDINGS,
        2,
        this.#key('finding'),
        this.#key('finding:start'),
        ...args,
      )) as number;
    }
    return added;
  }

  async listFindings(query: FindingQuery): Promise<Finding[]> {
    const keys = await this.#redis.zrangebyscore(this.#key('finding:start'), query.from, `(${query.to}`);
    const findings: Finding[] = [];
    for (let index = 0; index < keys.length; index += BATCH) {
      const values = await this.#redis.hmget(this.#key('finding'), ...keys.slice(index, index + BATCH));
      for (const value of values) {
        if (value === null) continue;
        const finding = JSON.parse(value) as Finding;
        if (query.rule !== undefined && finding.rule !== query.rule) continue;
        if (query.employees !== undefined && !query.employees.includes(finding.employee)) continue;
        findings.push(finding);
      }
    }
    return findings.sort((a, b) => a.occurrenceStart - b.occurrenceStart || (a.key < b.key ? -1 : 1));
  }

  async pruneFindings(before: Instant): Promise<number> {
    return (await this.#redis.eval(
      PRUNE_FINDINGS,
      2,
      this.#key('finding'),
      this.#key('finding:start'),
      String(before),
    )) as number;
  }

  async close(): Promise<void> {
    if (this.#ownsConnection && this.#redis.status !== 'end') await this.#redis.quit();
  }
}
