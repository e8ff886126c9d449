import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { createApp } from '../../src/app/composition-root.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { syncCycle } from '../../src/app/sync-cycle.js';
import { KEY_PREFIX, SYNC_CALENDAR } from '../../workers/jobs.js';
import { enqueueSyncCycle } from '../../workers/scheduler.js';
import { SyntheticCalendarSource } from './synthetic-source.js';

/**
 * bench/queue: one full sync cycle over N synthetic calendars (no network: a fixed pause per
 * fetch stands in for it), in the embedded runtime, then distributed with one and with two
 * worker processes on a throwaway redis-server. Prints calendars per second, the queue
 * overhead per job (distributed minus embedded), the two-worker speed-up, and peak memory of
 * a worker (max RSS) and of Redis (used_memory_peak).
 *
 *   npm run bench:queue [-- --calendars 10000 --delay 100 --concurrency 16 --register memory|sqlite]
 */
const { values } = parseArgs({
  options: {
    calendars: { type: 'string', default: '10000' },
    events: { type: 'string', default: '2' },
    delay: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    register: { type: 'string', default: 'memory' },
  },
});
const CALENDARS = Number(values.calendars);
const EVENTS = Number(values.events);
const DELAY_MS = Number(values.delay);
const CONCURRENCY = Number(values.concurrency);
const REGISTER = values.register === 'sqlite' ? 'sqlite' : 'memory';
const WORKER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker-process.js');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function writeConfig(dir: string): { file: string; ids: string[] } {
  const lines = [
    'timeZone: Europe/Stockholm',
    'codes:',
    '  entries:',
    '    - { code: MÖT, reason: meeting, label: Möte, planned: true }',
    'directory:',
    '  employees:',
  ];
  const ids: string[] = [];
  for (let index = 1; index <= CALENDARS; index++) {
    const id = `p${index}`;
    ids.push(`${id}/ics-1`);
    lines.push(
      `    - { id: ${id}, name: P ${index}, extension: "${10000 + index}", calendars: [{ ics: c/${id}.ics }] }`,
    );
  }
  lines.push('sink: { kind: embedded, path: register.db }', 'schedule: { every: 1h }', '');
  const file = path.join(dir, 'hanvisa.yaml');
  writeFileSync(file, lines.join('\n'));
  return { file, ids };
}

function registerCount(dir: string): number {
  const db = new Database(path.join(dir, 'register.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM referral_entry').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function embedded(dir: string): Promise<number> {
  const config = loadConfig(writeConfig(dir).file, readEnvironment({}));
  const source = new SyntheticCalendarSource({ eventsPerCalendar: EVENTS, delayMs: DELAY_MS });
  const sink = REGISTER === 'memory' ? new MemoryReferralSink() : null;
  const app = createApp(config, { sourceFor: () => source, ...(sink === null ? {} : { sink }) });
  const started = performance.now();
  const results = await syncCycle(app.sync, config.calendars, { now: Date.now(), concurrency: CONCURRENCY });
  const elapsed = performance.now() - started;
  await app.close();
  const failed = results.filter((result) => result.status !== 'synced').length;
  const entries = sink === null ? registerCount(dir) : sink.entries.size;
  if (failed > 0 || entries !== CALENDARS * EVENTS) {
    throw new Error(`embedded run incomplete (${failed} failed, ${entries} referrals)`);
  }
  return elapsed;
}

interface WorkerExit {
  readonly maxRssKb: number;
  readonly entries: number | null;
  readonly cpuMs: number;
}

function startWorker(spec: object): Promise<{ child: ChildProcess; result: Promise<WorkerExit> }> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, HANVISA_WORKER_SPEC: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const result = new Promise<WorkerExit>((done) => {
      child.once('exit', () => {
        const line = out.split('\n').find((item) => item.startsWith('{'));
        done(
          line === undefined ? { maxRssKb: 0, entries: null, cpuMs: 0 } : (JSON.parse(line) as WorkerExit),
        );
      });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve({ child, result });
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

async function distributed(
  dir: string,
  workers: number,
): Promise<{ ms: number; workerMb: number; redisMb: number; cpuMsPerJob: number }> {
  const { file, ids } = writeConfig(dir);
  const port = await freePort();
  const redisDir = path.join(dir, 'redis');
  mkdirSync(redisDir);
  const redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const redisUrl = `redis://127.0.0.1:${port}`;
  const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
  client.on('error', () => {}); // refused until redis-server listens; ioredis reconnects
  try {
    await client.ping();
    const spec = {
      config: file,
      redisUrl,
      concurrency: CONCURRENCY,
      source: { eventsPerCalendar: EVENTS, delayMs: DELAY_MS },
      logLevel: 'warn',
      ...(REGISTER === 'memory' ? { sink: 'memory' } : {}),
    };
    const children = await Promise.all(Array.from({ length: workers }, () => startWorker(spec)));
    const queue = new Queue(SYNC_CALENDAR, { connection: client, prefix: KEY_PREFIX });
    const started = performance.now();
    await enqueueSyncCycle(queue, ids, 0);
    for (;;) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      if (counts.failed) throw new Error(`${counts.failed} jobs failed`);
      if (!counts.waiting && !counts.active && !counts.delayed && !counts.prioritized) break;
      await sleep(20);
    }
    const ms = performance.now() - started;
    const memory = await client.info('memory');
    const redisPeak = Number(/used_memory_peak:(\d+)/.exec(memory)?.[1] ?? 0);
    await queue.close();
    for (const { child } of children) child.kill('SIGTERM');
    const rss = await Promise.all(children.map(({ result }) => result));
    const entries =
      REGISTER === 'memory' ? rss.reduce((sum, item) => sum + (item.entries ?? 0), 0) : registerCount(dir);
    // Each calendar synced by exactly one worker: the workers' registers add up to every referral once.
    if (entries !== CALENDARS * EVENTS)
      throw new Error(`distributed run: ${entries} referrals, expected ${CALENDARS * EVENTS}`);
    return {
      ms,
      workerMb: Math.max(...rss.map((item) => item.maxRssKb)) / 1024,
      cpuMsPerJob: rss.reduce((sum, item) => sum + item.cpuMs, 0) / CALENDARS,
      redisMb: redisPeak / 1024 / 1024,
    };
  } finally {
    client.disconnect();
    redisServer.kill('SIGTERM');
  }
}

const root = mkdtempSync(path.join(tmpdir(), 'hanvisa-bench-queue-'));
const fresh = (name: string) => {
  const dir = path.join(root, name);
  mkdirSync(dir);
  return dir;
};
try {
  console.log(
    `bench/queue: ${CALENDARS} calendars × ${EVENTS} coded events, ${DELAY_MS} ms per fetch, ` +
      `${CONCURRENCY} in flight per process, ${REGISTER} register, ${cpus().length} CPUs`,
  );
  const embeddedMs = await embedded(fresh('embedded'));
  const one = await distributed(fresh('one'), 1);
  const two = await distributed(fresh('two'), 2);
  const rate = (ms: number) => (CALENDARS / (ms / 1000)).toFixed(0);
  const overhead = (one.ms - embeddedMs) / CALENDARS;
  const speedUp = one.ms / two.ms;
  const rows = [
    ['embedded (1 process)', embeddedMs, '', ''],
    ['distributed, 1 worker', one.ms, one.workerMb.toFixed(0), one.redisMb.toFixed(1)],
    ['distributed, 2 workers', two.ms, two.workerMb.toFixed(0), two.redisMb.toFixed(1)],
  ] as const;
  console.log('| run | cycle (s) | calendars/s | worker peak RSS (MB) | Redis used_memory_peak (MB) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, ms, worker, redis] of rows) {
    console.log(`| ${name} | ${(ms / 1000).toFixed(2)} | ${rate(ms)} | ${worker} | ${redis} |`);
  }
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const workerMb = Math.max(one.workerMb, two.workerMb);
  const redisMb = Math.max(one.redisMb, two.redisMb);
  console.log(
    `worker CPU per job (whole process): ${one.cpuMsPerJob.toFixed(2)} ms with 1 worker, ${two.cpuMsPerJob.toFixed(2)} ms with 2`,
  );
  console.log(`queue overhead per job: ${overhead.toFixed(2)} ms (target ≤ 2 ms: ${verdict(overhead <= 2)})`);
  console.log(`two-worker speed-up: ${speedUp.toFixed(2)}× (target ≥ 1.5×: ${verdict(speedUp >= 1.5)})`);
  console.log(`worker peak RSS: ${workerMb.toFixed(0)} MB (target ≤ 256 MB: ${verdict(workerMb <= 256)})`);
  console.log(`Redis peak: ${redisMb.toFixed(1)} MB (target ≤ 200 MB: ${verdict(redisMb <= 200)})`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
