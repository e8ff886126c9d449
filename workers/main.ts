import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HanvisaConfig } from '../src/app/config/load-config.js';
import { createLogger } from '../src/app/logger.js';
import type { Instant } from '../src/domain/occurrence.js';
import { type DistributedOptions, startDistributed } from './runtime.js';

export interface RunDistributedOptions {
  readonly config: HanvisaConfig;
  readonly redisUrl: string;
  readonly signal: AbortSignal;
  readonly clock: () => Instant;
  /** One line for people (the CLI's stdout). */
  readonly say: (line: string) => void;
  /** Overrides server.port (`hanvisa start --port N`). */
  readonly port?: number;
  readonly extra?: Partial<DistributedOptions>;
}

/**
 * The distributed runtime as `hanvisa start` runs it when REDIS_URL is set: start, serve,
 * wait for SIGTERM/SIGINT, then stop within the shutdown deadline. Returns the exit code;
 * if the deadline passed with jobs still running, exits the process (their jobs are picked
 * up by other workers once their locks expire).
 */
export async function runDistributed(options: RunDistributedOptions): Promise<number> {
  const { config } = options;
  const logger = createLogger(config.env.logLevel);
  const server = (config.raw as { server?: { host: string; port: number } }).server ?? {
    host: '127.0.0.1',
    port: 8080,
  };
  const runtime = await startDistributed({
    config,
    redisUrl: options.redisUrl,
    logger,
    clock: options.clock,
    serve: { host: server.host, port: options.port ?? server.port },
    ...options.extra,
  });
  options.say(
    `hanvisa: distributed runtime (BullMQ on Redis), ${config.calendars.length} calendars, a cycle every ` +
      `${config.raw.schedule.every}${runtime.server === null ? '' : `, serving ${runtime.server.url}`}; SIGTERM stops\n`,
  );
  if (!options.signal.aborted) {
    await new Promise<void>((resolve) =>
      options.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  logger.info('stopping: closing workers, then queues, then Redis');
  const { forced } = await runtime.stop();
  logger.info({ forced }, forced ? 'stopped at the deadline' : 'stopped cleanly');
  if (forced) {
    logger.flush();
    process.exit(1);
  }
  options.say('hanvisa: stopped\n');
  return 0;
}

// `node dist/workers/main.js --config F` is `hanvisa start --config F`.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { main } = await import('../src/cli/main.js');
  process.exitCode = await main(['start', ...process.argv.slice(2)]);
}
