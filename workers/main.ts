import type { HanvisaConfig } from '../src/app/config/load-config.js';
import { createLogger } from '../src/app/logger.js';
import type { RunningService } from '../src/app/ports/http-service.js';
import type { Instant } from '../src/domain/occurrence.js';
import { type DistributedOptions, startDistributed } from './runtime.js';

export interface RunDistributedOptions {
  readonly config: HanvisaConfig;
  readonly redisUrl: string;
  readonly signal: AbortSignal;
  readonly clock: () => Instant;
  /** One line for people (the CLI's stdout). */
  readonly say: (line: string) => void;
  /** Told once the HTTP service listens. */
  readonly onServing?: (service: RunningService) => void;
  readonly extra?: Partial<DistributedOptions>;
}

/**
 * The distributed runtime as `hanvisa start` runs it when REDIS_URL is set: start, serve,
 * wait for SIGTERM/SIGINT, then stop within the shutdown deadline. Returns the exit code: 0 after
 * a clean stop, 1 when the deadline passed with jobs still running (their jobs are picked up by
 * other workers once their locks expire). Nothing is left open either way.
 */
export async function runDistributed(options: RunDistributedOptions): Promise<number> {
  const { config } = options;
  const logger = createLogger(config.env.logLevel);
  const runtime = await startDistributed({
    config,
    redisUrl: options.redisUrl,
    logger,
    clock: options.clock,
    ...options.extra,
  });
  if (runtime.service !== null) options.onServing?.(runtime.service);
  options.say(
    `hanvisa: distributed runtime (BullMQ on Redis), ${config.calendars.length} calendars, a cycle every ` +
      `${config.raw.schedule.every}; SIGTERM stops\n`,
  );
  if (!options.signal.aborted) {
    await new Promise<void>((resolve) =>
      options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  logger.info('stopping: closing workers, then queues, then Redis');
  const { forced } = await runtime.stop();
  logger.info({ forced }, forced ? 'stopped at the deadline' : 'stopped cleanly');
  logger.flush();
  if (forced) return 1;
  options.say('hanvisa: stopped\n');
  return 0;
}
