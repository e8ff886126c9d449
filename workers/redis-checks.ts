import type { Redis } from 'ioredis';
import { PermanentError } from '../src/domain/errors.js';

/** Reads one field of `INFO section` (works where CONFIG is disabled, as on managed Redis). */
export async function redisInfoField(redis: Redis, section: string, field: string): Promise<string | null> {
  const text = await redis.info(section);
  const line = text.split(/\r?\n/).find((item) => item.startsWith(`${field}:`));
  return line === undefined ? null : line.slice(field.length + 1).trim();
}

/**
 * BullMQ keeps jobs, locks and schedules in Redis keys: a Redis that evicts keys under memory
 * pressure silently loses jobs. Refuses to start unless `maxmemory-policy` is `noeviction`.
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const policy = await redisInfoField(redis, 'memory', 'maxmemory_policy');
  if (policy !== null && policy !== 'noeviction') {
    throw new PermanentError(
      `Redis maxmemory-policy is "${policy}", but hanvisa's queues need "noeviction" (an evicting Redis drops ` +
        'queued jobs and locks under memory pressure). Fix: run "redis-cli CONFIG SET maxmemory-policy noeviction" ' +
        'and set "maxmemory-policy noeviction" in redis.conf (or your provider\'s parameter group), then start again.',
    );
  }
}

const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return false
end
return holder`;

/**
 * The embedded register is a SQLite file on one host: workers on a second host would write to
 * a different file. Every process with `sink.kind: embedded` claims the register host in Redis
 * (renewed, with a TTL); a process on another host is refused with what to do instead.
 * Processes on the same host share the file safely (SQLite WAL).
 */
export async function claimRegisterHost(
  redis: Redis,
  options: { key: string; hostId: string; ttlMs: number },
): Promise<{ stop(): void }> {
  const claim = async () =>
    (await redis.eval(CLAIM, 1, options.key, options.hostId, String(options.ttlMs))) as string | null;
  const holder = await claim();
  if (holder !== null) {
    throw new PermanentError(
      `sink.kind embedded: the register is a SQLite file on host "${holder}", which already runs hanvisa on this ` +
        'Redis; a second host would write to a different register. Serve the register from that host (server.port) ' +
        `and give this host sink: { kind: rest, url: http://${holder}:8080 } (with sink.auth), or run all workers on ` +
        `"${holder}". If that host is gone, start again after ${Math.ceil(options.ttlMs / 1000)} s.`,
    );
  }
  const timer = setInterval(
    () => {
      claim().catch(() => {
        // Redis away for a moment: the next renewal claims again.
      });
    },
    Math.max(100, Math.floor(options.ttlMs / 3)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
