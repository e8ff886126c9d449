import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisStateStore } from '../../src/adapters/stores/redis-state-store.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import type { ReferralEntry } from '../../src/domain/referral-entry.js';
import { KEY_PREFIX, SYNC_CALENDAR } from '../../workers/jobs.js';
import { ROOT } from '../helpers/sample-config.js';

/** A temp folder with a hanvisa.yaml of `calendars` employees (e001…), one calendar each. */
export function writeQueueConfig(options: {
  calendars: number;
  /** Employees whose calendar is a Graph mailbox (by index, 1-based). */
  graph?: readonly number[];
  /** The first employee's calendar is this feed URL (privacy tests). */
  feedUrl?: string;
  mailbox?: (index: number) => string;
}): { dir: string; file: string; calendarIds: string[]; dispose: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-queue-'));
  const calendarIds: string[] = [];
  const employees: string[] = [];
  for (let index = 1; index <= options.calendars; index++) {
    const id = `e${String(index).padStart(3, '0')}`;
    const graph = options.graph?.includes(index) === true;
    const address = graph
      ? (options.mailbox?.(index) ?? `${id}@example.org`)
      : index === 1 && options.feedUrl !== undefined
        ? options.feedUrl
        : `calendars/${id}.ics`;
    calendarIds.push(`${id}/${graph ? 'graph' : 'ics'}-1`);
    employees.push(
      `    - { id: ${id}, name: Person ${index}, extension: "0512-3${String(index).padStart(4, '0')}", ` +
        `manager: boss, calendars: [{ ${graph ? 'graph' : 'ics'}: "${address}" }] }`,
    );
  }
  const yaml = [
    'timeZone: Europe/Stockholm',
    'window: { pastDays: 1, futureDays: 14 }',
    'codes:',
    '  entries:',
    '    - { code: MÖT, reason: meeting, label: Möte, planned: true }',
    'directory:',
    '  managers: [{ id: boss, name: Boss }]',
    '  employees:',
    ...employees,
    'sink: { kind: embedded, path: register.db }',
    'schedule: { every: 1h }',
    'graph: { tenantId: 00000000-0000-0000-0000-000000000000, clientId: 00000000-0000-0000-0000-000000000001 }',
    '',
  ].join('\n');
  const file = path.join(dir, 'hanvisa.yaml');
  writeFileSync(file, yaml);
  return { dir, file, calendarIds, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Reads the embedded register a run wrote. */
export function readRegister(dir: string): ReferralEntry[] {
  const db = openDatabase(path.join(dir, 'register.db'));
  try {
    return (
      db.prepare('SELECT id, calendar, uid FROM referral_entry ORDER BY id').all() as {
        id: string;
        calendar: string;
        uid: string;
      }[]
    ).map(
      (row) =>
        ({ id: row.id, sourceRef: { calendar: row.calendar, uid: row.uid } }) as unknown as ReferralEntry,
    );
  } finally {
    db.close();
  }
}

/** A producer on the sync queue for the test (the children run workers only). */
export function syncQueue(redisUrl: string): { queue: Queue; close: () => Promise<void> } {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(SYNC_CALENDAR, { connection, prefix: KEY_PREFIX });
  queue.on('error', () => {});
  connection.on('error', () => {});
  return {
    queue,
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** How many of the calendars have a successful sync recorded in the Redis state (null on a Redis error). */
export async function syncedCount(redisUrl: string, calendarIds: readonly string[]): Promise<number | null> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  connection.on('error', () => {});
  const store = new RedisStateStore(connection, { prefix: KEY_PREFIX });
  try {
    let synced = 0;
    for (const id of calendarIds) {
      const state = await store.getSyncState(id);
      if (state?.lastSuccessAt != null && state.lastError === null) synced++;
    }
    return synced;
  } catch {
    return null;
  } finally {
    connection.disconnect();
  }
}

/** Polls until `check` is true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface WorkerChild {
  readonly process: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

export const WORKER_SCRIPT = path.join(ROOT, 'dist/bench/queue/worker-process.js');

/** Starts `dist/bench/queue/worker-process.js` (run `npm run build` first; `npm test` does) and waits for `ready`. */
export async function startWorkerChild(spec: Record<string, unknown>): Promise<WorkerChild> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, HANVISA_WORKER_SPEC: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await Promise.race([
    waitFor('worker ready', async () => out.includes('ready'), 20_000),
    exited.then((code) => {
      throw new Error(`worker exited (${code}) before ready: ${err}`);
    }),
  ]);
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

/** A pino destination that keeps every line (privacy tests read what was logged). */
export function logCapture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}
