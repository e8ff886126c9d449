import { readFileSync, writeFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app/composition-root.js';
import { readEnvironment } from '../../../src/app/config/environment.js';
import { loadConfig } from '../../../src/app/config/load-config.js';
import { syncWindow } from '../../../src/domain/sync-window.js';
import { calendarOf, GRAPH, NOW, nockFirstRound, nockToken, testConfig } from './graph-test-kit.js';

/**
 * One app, one Graph connection: delta sync and report mail share the app's MSAL client and
 * token cache, so the app asks the token endpoint once (a wrong secret, likewise, costs one
 * token request and not one per part of hanvisa).
 */
describe('the app shares one Graph connection', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('delta sync and sendMail use one token from one token request', async () => {
    const base = testConfig();
    const text = readFileSync(base.file, 'utf8')
      .replace('maxPageSize: 50 }', 'maxPageSize: 50, batchSize: 1 }')
      .concat('reports: { mail: { from: hanvisa-rapporter@vara.se } }\n');
    writeFileSync(base.file, text);
    const config = loadConfig(base.file, readEnvironment({ HANVISA_GRAPH_CLIENT_SECRET: 'test-secret' }));
    const token = nockToken(1);
    const delta = nockFirstRound();
    const mail = nock(GRAPH).post('/v1.0/users/hanvisa-rapporter%40vara.se/sendMail').reply(202);
    const app = createApp(config);
    try {
      const calendar = calendarOf(config, 'anna');
      const window = syncWindow(NOW, config.timeZone, config.window);
      const fetched = await app.sync.sourceFor(calendar).fetch(calendar, window, null);
      expect(fetched.kind).toBe('snapshot');
      await app.reports.mailer?.send({
        to: 'bo@vara.se',
        subject: 'Sena registreringar',
        html: '<p>x</p>',
        attachments: [],
      });
      expect(delta.isDone()).toBe(true);
      expect(mail.isDone()).toBe(true);
      expect(token.isDone()).toBe(true);
    } finally {
      await app.close();
    }
  });
});
