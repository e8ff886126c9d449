import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMirror } from '../../../src/adapters/mirrors/memory-mirror.js';
import { SqliteOutboxStore } from '../../../src/adapters/mirrors/sqlite-outbox-store.js';
import { WebhookMirror } from '../../../src/adapters/mirrors/webhook-mirror.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { type DeliveryPolicy, deliverOutbox } from '../../../src/app/outbox-delivery.js';
import type { Mirror } from '../../../src/app/ports/mirror.js';
import { TransientError } from '../../../src/domain/errors.js';
import { entry, HOUR, MINUTE, moved, NOW } from './mirror-test-kit.js';

const SECRET = 'webhook-test-secret';

/** A receiver as the README describes it: verify the signature, refuse old timestamps, apply each delivery once. */
function receiver(clock: () => number) {
  const accepted: { delivery: string; change: string }[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  const raw: { headers: Record<string, string>; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const timestamp = String(request.headers['hanvisa-timestamp'] ?? '');
      const signature = String(request.headers['hanvisa-signature'] ?? '');
      raw.push({ headers: { 'hanvisa-timestamp': timestamp, 'hanvisa-signature': signature }, body });
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
      const valid =
        signature.length === expected.length &&
        timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
      const fresh = Math.abs(clock() / 1000 - Number(timestamp)) <= 300;
      if (!valid || !fresh) {
        refused.push(valid ? 'stale' : 'signature');
        response.writeHead(401).end();
        return;
      }
      const parsed = JSON.parse(body) as { delivery: string; change: string };
      if (!seen.has(parsed.delivery)) accepted.push({ delivery: parsed.delivery, change: parsed.change });
      seen.add(parsed.delivery);
      response.writeHead(204).end();
    });
  });
  return { server, accepted, refused, raw };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hanvisa`;
}

const POLICY: DeliveryPolicy = {
  deadAfterMs: 2 * HOUR,
  baseDelayMs: 1000,
  maxDelayMs: 5 * MINUTE,
  batch: 50,
};

function world(mirrors: Mirror[]) {
  const db = openDatabase(':memory:');
  let now = NOW;
  const outbox = new SqliteOutboxStore(db, { entryMirrors: mirrors.map((mirror) => mirror.name) });
  const sink = new SqliteReferralSink(db, { outbox, clock: () => now });
  const deps = {
    outbox,
    mirrors: new Map(mirrors.map((mirror) => [mirror.name, mirror])),
    policy: () => POLICY,
    random: () => 1,
  };
  return {
    db,
    sink,
    outbox,
    setNow(at: number) {
      now = at;
    },
    deliver: (mirror: string, employee: string, at: number) => deliverOutbox(deps, { mirror, employee }, at),
  };
}

describe('signed webhook', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('is verified by a receiver, and a replay is refused by its timestamp', async () => {
    let receiverNow = NOW;
    const hook = receiver(() => receiverNow);
    servers.push(hook.server);
    const url = await listen(hook.server);
    const w = world([new WebhookMirror({ name: 'hook', url, secret: SECRET })]);
    const meeting = entry('anna', 'm1', NOW + HOUR);
    w.sink.upsertSync(meeting);
    expect(await w.deliver('hook', 'anna', NOW)).toMatchObject({ delivered: 1, failed: 0 });
    expect(hook.accepted).toEqual([{ delivery: `${meeting.id}.1`, change: 'created' }]);
    const body = JSON.parse(hook.raw[0]?.body ?? '{}');
    expect(body.entry).toMatchObject({
      id: meeting.id,
      label: 'Möte',
      start: meeting.start,
      end: meeting.end,
    });
    expect(hook.raw[0]?.body).not.toContain('hash-m1');

    // The same request again ten minutes later: refused by the timestamp.
    receiverNow = NOW + 10 * MINUTE;
    const replay = await fetch(url, {
      method: 'POST',
      headers: hook.raw[0]?.headers,
      body: hook.raw[0]?.body,
    });
    expect(replay.status).toBe(401);
    // A changed body with the old signature: refused by the signature.
    receiverNow = NOW;
    const forged = await fetch(url, {
      method: 'POST',
      headers: hook.raw[0]?.headers,
      body: hook.raw[0]?.body.replace('Möte', 'Semester'),
    });
    expect(forged.status).toBe(401);
    expect(hook.refused).toEqual(['stale', 'signature']);
    w.db.close();
  });
});

describe('outbox delivery', () => {
  it('keeps order per employee through 503s, loses nothing, and never blocks another mirror', async () => {
    const flaky = new MemoryMirror('flaky');
    const steady = new MemoryMirror('steady');
    const w = world([flaky, steady]);
    flaky.down = () => new TransientError('answered 503', { retryAfterMs: 20_000 });
    const a = entry('anna', 'a', NOW + 2 * HOUR);
    const b = entry('anna', 'b', NOW + 3 * HOUR);
    w.sink.upsertSync(a);
    w.sink.upsertSync(b);
    w.setNow(NOW + MINUTE);
    w.sink.upsertSync(moved(a, a.start - HOUR, a.end));
    w.sink.deleteSync(b.id);
    w.sink.upsertSync(entry('bo', 'c', NOW + HOUR));
    let at = NOW + MINUTE;
    const first = await w.deliver('flaky', 'anna', at);
    expect(first).toMatchObject({ delivered: 0, failed: 1, nextDueAt: at + 20_000 });
    expect(await w.deliver('steady', 'anna', at)).toMatchObject({ delivered: 4 });
    expect(await w.deliver('steady', 'bo', at)).toMatchObject({ delivered: 1 });
    for (let round = 0; round < 5; round++) {
      at += 30_000;
      await w.deliver('flaky', 'anna', at);
    }
    expect(flaky.applied).toEqual([]);
    flaky.down = null;
    at += 10 * MINUTE;
    expect(await w.deliver('flaky', 'anna', at)).toMatchObject({ delivered: 4, failed: 0 });
    const order = (mirror: MemoryMirror) =>
      mirror.applied
        .filter((change) => change.employee === 'anna')
        .map((change) => `${change.change}:${change.ref}`);
    expect(order(flaky)).toEqual([
      `created:${a.id}`,
      `created:${b.id}`,
      `updated:${a.id}`,
      `deleted:${b.id}`,
    ]);
    expect(order(flaky)).toEqual(order(steady));
    expect(flaky.received.length).toBe(4);
    w.db.close();
  });

  it('parks a change as dead after deadAfter, counts it, and lets the next one through', async () => {
    const down = new MemoryMirror('down');
    const w = world([down]);
    down.down = () => new TransientError('cannot connect');
    w.sink.upsertSync(entry('anna', 'a', NOW + 5 * HOUR));
    let at = NOW;
    let dead = 0;
    while (at < NOW + 3 * HOUR && dead === 0) {
      dead = (await w.deliver('down', 'anna', at)).dead;
      at += 5 * MINUTE;
    }
    expect(dead).toBe(1);
    expect(await w.outbox.stats('down', at)).toMatchObject({ dead: 1 });
    const [parked] = await w.outbox.listDead('down', 10);
    expect(parked?.change).toBe('created');
    down.down = null;
    w.sink.upsertSync(entry('anna', 'b', NOW + 5 * HOUR));
    expect(await w.deliver('down', 'anna', at)).toMatchObject({ delivered: 1 });
    w.db.close();
  });
});
