import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { createLogger } from '../../src/app/logger.js';
import { type RuntimeTimings, startDistributed } from '../../workers/runtime.js';
import { SyntheticCalendarSource, type SyntheticSourceOptions } from './synthetic-source.js';

/**
 * A distributed worker process over synthetic calendars, for the queue benchmark and the
 * real-process queue tests: `node dist/bench/queue/worker-process.js` with HANVISA_WORKER_SPEC
 * (JSON: config, redisUrl, concurrency, timings, source). It runs workers only (the parent
 * enqueues cycles), prints `ready` on stdout, and on SIGTERM stops (deadline included) and
 * prints `{"stopped":…,"forced":…,"maxRssKb":…}`.
 */
interface WorkerSpec {
  readonly config: string;
  readonly redisUrl: string;
  readonly concurrency?: number;
  readonly timings?: Partial<RuntimeTimings>;
  readonly source: SyntheticSourceOptions;
  readonly logLevel?: string;
  readonly hostId?: string;
  /** `memory`: an in-memory register instead of the configured one (the benchmark's queue-only runs). */
  readonly sink?: 'memory';
}

const spec = JSON.parse(process.env.HANVISA_WORKER_SPEC ?? '{}') as WorkerSpec;
const config = loadConfig(spec.config);
const logger = createLogger(spec.logLevel ?? 'info');
const source = new SyntheticCalendarSource(spec.source);
const memorySink = spec.sink === 'memory' ? new MemoryReferralSink() : null;
const runtime = await startDistributed({
  config,
  redisUrl: spec.redisUrl,
  logger,
  sourceFor: () => source,
  ...(memorySink === null ? {} : { sink: memorySink }),
  scheduler: false,
  serve: null,
  ...(spec.concurrency === undefined ? {} : { concurrency: spec.concurrency }),
  ...(spec.timings === undefined ? {} : { timings: spec.timings }),
  ...(spec.hostId === undefined ? {} : { hostId: spec.hostId }),
});
process.stdout.write('ready\n');
const stop = async () => {
  const duration = (await runtime.metrics.syncDuration.get()).values;
  const sum = duration.find((item) => item.metricName?.endsWith('_sum'))?.value ?? 0;
  const count = duration.find((item) => item.metricName?.endsWith('_count'))?.value ?? 0;
  const { forced } = await runtime.stop();
  process.stdout.write(
    `${JSON.stringify({
      stopped: true,
      forced,
      maxRssKb: process.resourceUsage().maxRSS,
      cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
      entries: memorySink?.entries.size ?? null,
      syncMs: count === 0 ? 0 : (sum / count) * 1000,
    })}\n`,
  );
  process.exit(forced ? 1 : 0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
