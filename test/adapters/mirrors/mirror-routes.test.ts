import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildHttpService } from '../../../src/adapters/http/http-service.js';
import { mirrorRoutes } from '../../../src/adapters/http/mirror-routes.js';
import { MemoryMirror } from '../../../src/adapters/mirrors/memory-mirror.js';
import { MemoryOutboxStore } from '../../../src/adapters/mirrors/memory-outbox-store.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { createMirrorParts } from '../../../src/app/composition-root.js';
import { HanvisaMetrics } from '../../../src/app/metrics.js';
import { createMirroring } from '../../../src/app/outbox-wiring.js';
import { PermanentError } from '../../../src/domain/errors.js';
import { sampleConfig } from '../../helpers/sample-config.js';
import { entry, HOUR, NOW } from './mirror-test-kit.js';

const CREDENTIALS = {
  clientTokens: ['it-token'],
  syncToken: null,
  syncUser: null,
  syncPassword: null,
  open: false,
};

describe('GET /mirrors (what IT sees)', () => {
  it('lists each mirror’s backlog and parked changes by id, and needs a token', async () => {
    const outbox = new MemoryOutboxStore({ entryMirrors: ['hook'] });
    const mirror = new MemoryMirror('hook');
    mirror.failures.push(() => new PermanentError('the receiver answered 400'));
    const mirroring = createMirroring(sampleConfig(), {
      outbox,
      mirrors: new Map([['hook', mirror]]),
      policies: new Map([['hook', { deadAfterMs: HOUR, baseDelayMs: 1000, maxDelayMs: 60_000, batch: 10 }]]),
      metrics: new HanvisaMetrics(),
      logger: pino({ level: 'silent' }),
    });
    const meeting = entry('anna', 'm1', NOW + HOUR);
    await outbox.recordEntryChanges(null, meeting, NOW);
    const kind = mirroring.kind as unknown as {
      handle(data: { mirror: string }, now: number): Promise<unknown>;
    };
    await kind.handle({ mirror: 'hook' }, NOW);
    const server = await buildHttpService({
      routes: [mirrorRoutes(() => mirroring.report(NOW), CREDENTIALS)],
    });
    expect((await server.inject({ method: 'GET', url: '/mirrors' })).statusCode).toBe(401);
    const answer = await server.inject({
      method: 'GET',
      url: '/mirrors',
      headers: { authorization: 'Bearer it-token' },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({
      mirrors: [
        {
          name: 'hook',
          kind: 'memory',
          pending: 0,
          oldestPendingSeconds: 0,
          dead: 1,
          parked: [
            {
              employee: 'anna',
              ref: meeting.id,
              change: 'created',
              version: 1,
              occurredAt: new Date(NOW).toISOString(),
              attempts: 1,
            },
          ],
        },
      ],
    });
    await server.close();
  });

  it('a webhook mirror without its secret in the environment stops the start, naming the variable', () => {
    const config = sampleConfig();
    const withHook = {
      ...config,
      mirrors: [
        {
          kind: 'webhook' as const,
          name: 'crm',
          url: 'https://crm.example/hook',
          secretEnv: 'HANVISA_WEBHOOK_SECRET_CRM',
          timeoutMs: 1000,
          retry: { deadAfterMs: HOUR, firstMs: 1000, maxMs: 60_000 },
        },
      ],
    };
    expect(() =>
      createMirrorParts(withHook, {
        registerDb: null,
        stateDb: null,
        logger: pino({ level: 'silent' }),
        mailer: null,
      }),
    ).not.toThrow();
    const db = openDatabase(':memory:');
    expect(() =>
      createMirrorParts(withHook, {
        registerDb: db,
        stateDb: null,
        logger: pino({ level: 'silent' }),
        mailer: null,
      }),
    ).toThrow('set HANVISA_WEBHOOK_SECRET_CRM in the environment');
    db.close();
  });
});
