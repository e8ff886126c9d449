import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { editFile, sampleWorkspace } from '../../helpers/cli.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { ROOT } from '../../helpers/sample-config.js';

const SECRET = 'crash-test-secret';

interface Receiver {
  readonly server: Server;
  readonly url: string;
  /** Delivery ids in arrival order, repeats included. */
  readonly arrivals: string[];
  /** Applied once each (a receiver dedups by delivery id). */
  readonly applied: Map<string, number>;
  hold: boolean;
  readonly held: ServerResponse[];
  firstArrival: Promise<void>;
}

async function receiver(): Promise<Receiver> {
  let signalFirst: () => void = () => {};
  const state: Omit<Receiver, 'server' | 'url'> = {
    arrivals: [],
    applied: new Map(),
    hold: true,
    held: [],
    firstArrival: new Promise<void>((resolve) => {
      signalFirst = resolve;
    }),
  };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const delivery = String(request.headers['hanvisa-delivery']);
      state.arrivals.push(delivery);
      signalFirst();
      if (state.hold) {
        state.held.push(response);
        return;
      }
      const parsed = JSON.parse(body) as { delivery: string };
      state.applied.set(parsed.delivery, (state.applied.get(parsed.delivery) ?? 0) + 1);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return Object.assign(state, { server, url }) as Receiver;
}

const logs: string[] = [];

function start(config: string, redisUrl: string): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/hanvisa.js'), 'start', '--config', config], {
    env: { ...process.env, REDIS_URL: redisUrl, HANVISA_WEBHOOK_SECRET: SECRET, HANVISA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

function outboxRows(file: string): { seq: number; ref: string; status: string; due: number }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT seq, ref, status, occurred_at AS due FROM outbox WHERE mirror = 'hook' ORDER BY seq")
      .all() as { seq: number; ref: string; status: string; due: number }[];
  } finally {
    db.close();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 1500; round++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; the processes said:\n${logs.join('').slice(-3000)}`);
}

describe.each(['embedded', 'distributed'] as const)(
  'outbox crash safety (real hanvisa start, %s runtime)',
  (runtime) => {
    let hook: Receiver | null = null;
    let redis: RedisServer | null = null;
    const children: ChildProcess[] = [];
    afterEach(async () => {
      await redis?.dispose();
      redis = null;
      for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
      if (hook !== null) {
        hook.server.closeAllConnections();
        await new Promise<void>((resolve) => hook?.server.close(() => resolve()));
        hook = null;
      }
    });

    it('SIGKILL between the register change and the delivery: after a restart each change is delivered, once as the mirror sees it', async () => {
      hook = await receiver();
      if (runtime === 'distributed') redis = await startRedisServer();
      const redisUrl = redis?.url ?? '';
      const workspace = sampleWorkspace();
      editFile(
        workspace.config,
        (text) =>
          `${text}\nserver: { host: 127.0.0.1, port: 0 }\nmirrors:\n  - { kind: webhook, name: hook, url: "${hook?.url}" }\n`,
      );
      const database = path.join(workspace.dir, 'data/hanvisa.db');

      const first = start(workspace.config, redisUrl);
      children.push(first);
      await hook.firstArrival;
      first.kill('SIGKILL');
      await exited(first);
      const afterCrash = outboxRows(database);
      const now = Date.now();
      const owed = afterCrash.filter((row) => row.status === 'pending' && row.due <= now);
      expect(owed.length).toBeGreaterThan(0);
      expect(hook.applied.size).toBe(0);

      // The receiver works again; the same database, a new process.
      hook.hold = false;
      for (const response of hook.held.splice(0)) response.destroy();
      const second = start(workspace.config, redisUrl);
      children.push(second);
      await until(() => {
        const rows = outboxRows(database);
        const due = rows.filter((row) => row.due <= Date.now());
        return (
          due.length > 0 &&
          due.every((row) => row.status === 'delivered') &&
          hook !== null &&
          hook.applied.size >= due.length
        );
      }, 'every due change delivered');
      second.kill('SIGTERM');
      expect(await exited(second)).toBe(0);

      const delivered = outboxRows(database).filter((row) => row.status === 'delivered');
      const expectedIds = delivered.map((row) => `${row.ref}.${row.seq}`).sort();
      expect([...hook.applied.keys()].sort()).toEqual(expectedIds);
      for (const count of hook.applied.values()) expect(count).toBe(1);
      // Every change owed at the crash was delivered after the restart.
      for (const row of owed) expect(hook.applied.has(`${row.ref}.${row.seq}`)).toBe(true);
      // At least once: the change in flight at the kill arrived twice, and counted once.
      expect(hook.arrivals.filter((id) => id === hook?.arrivals[0]).length).toBeGreaterThanOrEqual(2);
    }, 240_000);
  },
);
