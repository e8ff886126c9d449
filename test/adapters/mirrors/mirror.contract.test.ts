import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMirror } from '../../../src/adapters/mirrors/memory-mirror.js';
import { MemoryOutboxStore } from '../../../src/adapters/mirrors/memory-outbox-store.js';
import { TeamsPresenceMirror } from '../../../src/adapters/mirrors/teams-presence-mirror.js';
import { WebhookMirror } from '../../../src/adapters/mirrors/webhook-mirror.js';
import { type Mirror, type MirrorChange, mirrorEntry } from '../../../src/app/ports/mirror.js';
import { PermanentError, TransientError } from '../../../src/domain/errors.js';
import { FakeGraphPresence } from './fake-graph-presence.js';
import { entry, HOUR, NOW } from './mirror-test-kit.js';

/** One contract for every Mirror: the memory fake, Teams presence and the signed webhook. */
interface MirrorHarness {
  readonly mirror: Mirror;
  /** What the far side shows now (compared before and after a repeat). */
  view(): unknown;
  /** Raw text the far side received. */
  sent(): string;
  failTransient(retryAfterSeconds: number): void;
  failPermanent(): void;
  dispose(): Promise<void>;
}

const meeting = entry('anna', 'secret-uid-private-dentist', NOW - HOUR / 2);

function change(kind: MirrorChange['change'], version: number, at = NOW): MirrorChange {
  return {
    seq: version,
    mirror: 'm',
    employee: 'anna',
    ref: meeting.id,
    version,
    change: kind,
    occurredAt: at,
    recordedAt: at,
    attempts: 0,
    entry: mirrorEntry(meeting),
    notice: null,
  };
}

function memoryHarness(): MirrorHarness {
  const mirror = new MemoryMirror('m');
  return {
    mirror,
    view: () => ({ entries: [...mirror.entries.entries()], current: [...mirror.current] }),
    sent: () => JSON.stringify(mirror.received),
    failTransient: (seconds) => {
      mirror.failures.push(() => new TransientError('down', { retryAfterMs: seconds * 1000 }));
    },
    failPermanent: () => {
      mirror.failures.push(() => new PermanentError('refused'));
    },
    dispose: async () => {},
  };
}

function teamsHarness(): MirrorHarness {
  nock.disableNetConnect();
  const graph = new FakeGraphPresence('https://graph.test');
  const mirror = new TeamsPresenceMirror({
    name: 'm',
    baseUrl: 'https://graph.test/v1.0',
    tokens: { getToken: async () => 'token' },
    state: new MemoryOutboxStore({ entryMirrors: [] }),
    userFor: (employee) => (employee === 'anna' ? 'anna.andersson@vara.se' : null),
    presence: { meeting: { availability: 'Busy', activity: 'Busy' } },
    fallback: { availability: 'Away', activity: 'Away' },
    statusMessage: true,
    timeZone: 'Europe/Stockholm',
  });
  return {
    mirror,
    view: () => [...graph.users.entries()],
    sent: () => JSON.stringify(graph.requests),
    failTransient: (seconds) => {
      graph.failures.push({
        status: 429,
        fixture: 'error-429-too-many-requests',
        retryAfter: String(seconds),
      });
    },
    failPermanent: () => {
      graph.failures.push({ status: 403, fixture: 'error-403-forbidden' });
    },
    dispose: async () => {
      graph.done();
      nock.enableNetConnect();
    },
  };
}

async function webhookHarness(): Promise<MirrorHarness> {
  const bodies: { headers: IncomingHttpHeaders; body: string }[] = [];
  const failures: { status: number; retryAfter?: string }[] = [];
  const applied = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      bodies.push({ headers: request.headers, body });
      const failure = failures.shift();
      if (failure !== undefined) {
        response.writeHead(failure.status, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
        response.end();
        return;
      }
      const parsed = JSON.parse(body) as { delivery: string; entry: { id: string } };
      applied.set(parsed.entry.id, parsed.delivery);
      response.writeHead(204);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    mirror: new WebhookMirror({ name: 'm', url: `http://127.0.0.1:${port}/hook`, secret: 's3cret' }),
    view: () => [...applied.entries()],
    sent: () => JSON.stringify(bodies),
    failTransient: (seconds) => failures.push({ status: 503, retryAfter: String(seconds) }),
    failPermanent: () => failures.push({ status: 400 }),
    dispose: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const harnesses: [string, () => Promise<MirrorHarness> | MirrorHarness][] = [
  ['memory', memoryHarness],
  ['teamsPresence', teamsHarness],
  ['webhook', webhookHarness],
];

for (const [name, create] of harnesses) {
  describe(`Mirror contract: ${name}`, () => {
    let harness: MirrorHarness | null = null;
    const open = async () => {
      harness = await create();
      return harness;
    };
    afterEach(async () => {
      await harness?.dispose();
      harness = null;
    });

    it('takes a change, and the same change again leaves it as after once', async () => {
      const { mirror, view } = await open();
      await mirror.deliver(change('created', 1), NOW);
      const once = JSON.stringify(view());
      expect(once).not.toBe('[]');
      await mirror.deliver(change('created', 1), NOW);
      expect(JSON.stringify(view())).toBe(once);
    });

    it('throws TransientError with the Retry-After when the far side is busy', async () => {
      const h = await open();
      h.failTransient(7);
      const error = await h.mirror.deliver(change('created', 1), NOW).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).retryAfterMs).toBe(7000);
      await h.mirror.deliver(change('created', 1), NOW);
    });

    it('throws PermanentError when the far side refuses', async () => {
      const h = await open();
      h.failPermanent();
      await expect(h.mirror.deliver(change('created', 1), NOW)).rejects.toBeInstanceOf(PermanentError);
    });

    it('sends nothing of the event uid', async () => {
      const h = await open();
      await h.mirror.deliver(change('created', 1), NOW);
      await h.mirror.deliver(change('deleted', 2), NOW);
      expect(h.sent()).not.toContain('secret-uid');
      expect(h.sent()).not.toContain('dentist');
    });
  });
}
