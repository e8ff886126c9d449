import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorityMetadata } from '../../../src/adapters/graph/graph-auth.js';
import { syncCalendar } from '../../../src/app/sync-calendar.js';
import { syncCycle } from '../../../src/app/sync-cycle.js';
import {
  APP,
  calendarOf,
  deltaPath,
  firstRoundQuery,
  fixture,
  GRAPH,
  harness,
  LOGIN,
  MAILBOXES,
  NOW,
  nockFirstRound,
  nockToken,
  TENANT,
} from './graph-test-kit.js';

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const annaFirstPage = () => nock(GRAPH).get(deltaPath('anna.andersson%40vara.se')).query(firstRoundQuery);

describe('Graph throttling and transient errors', () => {
  it('429 with Retry-After: 2 waits 2 s and then completes the round', async () => {
    const h = harness();
    nockToken(1);
    annaFirstPage().reply(429, fixture('error-429-throttled.json') as nock.Body, { 'Retry-After': '2' });
    nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.error).toBeNull();
    expect(h.sleeps).toEqual([2000]);
    expect(result.created).toBe(9);
    expect(await h.sink.list({ calendar: 'anna/graph-1' })).toHaveLength(9);
  });

  it('429 with Retry-After as an HTTP date waits until that date', async () => {
    const h = harness();
    nockToken(1);
    annaFirstPage().reply(429, fixture('error-429-throttled.json') as nock.Body, {
      'Retry-After': new Date(NOW + 3000).toUTCString(),
    });
    nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.error).toBeNull();
    expect(h.sleeps).toEqual([3000]);
    expect(await h.sink.list({ calendar: 'anna/graph-1' })).toHaveLength(9);
  });

  it('a Retry-After longer than the retry budget is not waited out here: a transient failure with retryAfterMs for the queue', async () => {
    const h = harness();
    nockToken(1);
    annaFirstPage().reply(429, fixture('error-429-throttled.json') as nock.Body, { 'Retry-After': '120' });
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.status).toBe('failed');
    expect(result.transient).toBe(true);
    expect(result.retryAfterMs).toBe(120_000);
    expect(h.sleeps).toEqual([]);
    expect(h.source.http.stats.requests).toBe(1);
    expect(h.sink.appliedPlans).toBe(0);
  });

  it('503 is retried with a short backoff and the round completes', async () => {
    const h = harness();
    nockToken(1);
    annaFirstPage()
      .times(2)
      .reply(503, fixture('error-503-unavailable.json') as nock.Body);
    nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.error).toBeNull();
    expect(h.sleeps).toEqual([500, 1000]);
    expect(await h.sink.list({ calendar: 'anna/graph-1' })).toHaveLength(9);
  });

  it('503 that persists: three attempts, then a transient failure and no changes', async () => {
    const h = harness();
    nockToken(1);
    const scope = annaFirstPage()
      .times(3)
      .reply(503, fixture('error-503-unavailable.json') as nock.Body);
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    scope.done();
    expect(result.status).toBe('failed');
    expect(result.transient).toBe(true);
    expect(result.error).toMatch(/calendar anna\/graph-1: Graph is busy \(503 ServiceUnavailable\)/);
    expect(h.sink.appliedPlans).toBe(0);
  });
});

describe('Graph permanent errors', () => {
  it('a 404 mailbox, a mailbox not enabled for REST and a 403 among healthy ones: each fails alone with what to do', async () => {
    const h = harness();
    const token = nockToken(1);
    nockFirstRound();
    nock(GRAPH)
      .get(deltaPath('bo.berg%40vara.se'))
      .query(firstRoundQuery)
      .reply(404, fixture('error-404-mailbox-not-found.json') as nock.Body)
      .get(deltaPath('cecilia.carlsson%40vara.se'))
      .query(firstRoundQuery)
      .reply(404, fixture('error-404-mailbox-not-enabled.json') as nock.Body)
      .get(deltaPath('david.dahl%40vara.se'))
      .query(firstRoundQuery)
      .reply(403, fixture('error-403-access-denied.json') as nock.Body);
    const results = await syncCycle(h.deps, h.config.calendars, { now: NOW, concurrency: 4 });
    token.done();
    const byCalendar = new Map(results.map((result) => [result.calendar, result]));
    expect(byCalendar.get('anna/graph-1')?.created).toBe(9);
    expect(byCalendar.get('bo/graph-1')?.error).toMatch(
      /^calendar bo\/graph-1: mailbox not found \(404 ErrorInvalidUser\): check the graph: address/,
    );
    expect(byCalendar.get('cecilia/graph-1')?.error).toMatch(/MailboxNotEnabledForRESTAPI.*Exchange Online/);
    expect(byCalendar.get('david/graph-1')?.error).toMatch(
      new RegExp(`app "${APP}".*Calendars\\.Read.*application access policy or RBAC for Applications`),
    );
    for (const id of ['bo/graph-1', 'cecilia/graph-1', 'david/graph-1']) {
      expect(byCalendar.get(id)?.transient).toBe(false);
    }
    const everything = JSON.stringify(results);
    for (const mailbox of Object.values(MAILBOXES)) expect(everything).not.toContain(mailbox);
    expect(await h.sink.list({})).toHaveLength(9);
  });

  it('after a 401 a fresh token is fetched once and the request repeated', async () => {
    const h = harness();
    const token = nockToken(2);
    annaFirstPage().reply(401, {
      error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' },
    });
    nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    token.done();
    expect(result.error).toBeNull();
    expect(await h.sink.list({ calendar: 'anna/graph-1' })).toHaveLength(9);
  });

  it('a wrong client secret: one token request, every calendar fails with tenant and app named, no retry storm', async () => {
    const h = harness({}, { HANVISA_GRAPH_CLIENT_SECRET: 'wrong-secret-value' });
    const token = nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`)
      .query(true)
      .once()
      .reply(401, fixture('token-error-invalid-client.json') as nock.Body);
    const results = await syncCycle(h.deps, h.config.calendars, { now: NOW, concurrency: 4 });
    token.done();
    expect(results).toHaveLength(4);
    for (const result of results) {
      expect(result.status).toBe('failed');
      expect(result.transient).toBe(false);
      expect(result.error).toContain(
        `Graph sign-in failed for tenant "${TENANT}", app "${APP}" (AADSTS7000215)`,
      );
      expect(result.error).toContain('HANVISA_GRAPH_CLIENT_SECRET');
      expect(result.error).not.toContain('wrong-secret-value');
    }
    expect(h.source.http.stats.requests).toBe(0);
    expect(h.sink.appliedPlans).toBe(0);
  });
});

describe('Graph sign-in', () => {
  it('builds the authority metadata Entra ID publishes, so MSAL makes no discovery call', () => {
    const recorded = JSON.stringify(fixture('openid-configuration.json')).replaceAll('{tenantid}', TENANT);
    const published = JSON.parse(recorded) as Record<string, string>;
    const built = authorityMetadata(LOGIN, TENANT).authorityMetadata;
    for (const key of [
      'token_endpoint',
      'issuer',
      'authorization_endpoint',
      'jwks_uri',
      'end_session_endpoint',
    ] as const) {
      expect(built[key]).toBe(published[key]);
    }
  });

  it('client secret: the token endpoint gets the secret, and the token cache serves every mailbox', async () => {
    const h = harness();
    const bodies: string[] = [];
    const token = nockToken(1, (body) => bodies.push(body));
    nockFirstRound();
    for (const mailbox of ['bo.berg%40vara.se', 'cecilia.carlsson%40vara.se', 'david.dahl%40vara.se']) {
      nock(GRAPH, { reqheaders: { authorization: /^Bearer eyJ/ } })
        .get(deltaPath(mailbox))
        .query(firstRoundQuery)
        .reply(200, fixture('incremental-empty.json') as nock.Body);
    }
    const results = await syncCycle(h.deps, h.config.calendars, { now: NOW, concurrency: 4 });
    token.done();
    expect(results.map((result) => result.error)).toEqual([null, null, null, null]);
    const form = new URLSearchParams(bodies[0]);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_id')).toBe(APP);
    expect(form.get('client_secret')).toBe('test-secret');
    expect(form.get('scope')).toBe('https://graph.microsoft.com/.default');
  });

  it('certificate: a signed client assertion carrying the thumbprint, no secret', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-cert-'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = path.join(dir, 'key.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const thumbprint = randomBytes(20).toString('hex').toUpperCase();
    const h = harness(
      {},
      { HANVISA_GRAPH_CERTIFICATE_KEY_FILE: keyFile, HANVISA_GRAPH_CERTIFICATE_THUMBPRINT: thumbprint },
    );
    const bodies: string[] = [];
    nockToken(1, (body) => bodies.push(body));
    nockFirstRound();
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.error).toBeNull();
    expect(await h.sink.list({ calendar: 'anna/graph-1' })).toHaveLength(9);
    const form = new URLSearchParams(bodies[0]);
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [header, claims, signature] = (form.get('client_assertion') ?? '').split('.');
    const decoded = JSON.parse(Buffer.from(header ?? '', 'base64url').toString()) as Record<string, string>;
    expect(decoded.alg).toMatch(/^(RS256|PS256)$/);
    expect(
      Buffer.from(decoded.x5t ?? '', 'base64url')
        .toString('hex')
        .toUpperCase(),
    ).toBe(thumbprint);
    const payload = JSON.parse(Buffer.from(claims ?? '', 'base64url').toString()) as Record<string, string>;
    expect(payload.iss).toBe(APP);
    expect(payload.sub).toBe(APP);
    expect(payload.aud).toBe(`${LOGIN}/${TENANT}/oauth2/v2.0/token`);
    if (decoded.alg === 'RS256') {
      const verify = createVerify('RSA-SHA256').update(`${header}.${claims}`);
      expect(
        verify.verify(
          createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
          Buffer.from(signature ?? '', 'base64url'),
        ),
      ).toBe(true);
    }
  });

  it('a missing certificate key file is a permanent error naming the setting', async () => {
    const h = harness(
      {},
      {
        HANVISA_GRAPH_CERTIFICATE_KEY_FILE: '/nonexistent/key.pem',
        HANVISA_GRAPH_CERTIFICATE_THUMBPRINT: 'AB'.repeat(20),
      },
    );
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    expect(result.transient).toBe(false);
    expect(result.error).toContain('HANVISA_GRAPH_CERTIFICATE_KEY_FILE');
  });

  it('national cloud: authorityHost and baseUrl decide where tokens and calls go', async () => {
    const h = harness({
      authorityHost: 'https://login.microsoftonline.us',
      baseUrl: 'https://graph.microsoft.us/v1.0',
    });
    const bodies: string[] = [];
    const token = nock('https://login.microsoftonline.us')
      .post(`/${TENANT}/oauth2/v2.0/token`)
      .query(true)
      .reply(200, (_uri, body) => {
        bodies.push(String(body));
        return fixture('token-response.json') as nock.Body;
      });
    const graph = nock('https://graph.microsoft.us')
      .get(deltaPath('anna.andersson%40vara.se'))
      .query(firstRoundQuery)
      .reply(200, {
        '@odata.deltaLink': 'https://graph.microsoft.us/v1.0/users/x/calendarView/delta?$deltatoken=us-1',
        value: [],
      });
    const result = await syncCalendar(h.deps, calendarOf(h.config, 'anna'), { now: NOW });
    token.done();
    graph.done();
    expect(result.error).toBeNull();
    expect(new URLSearchParams(bodies[0]).get('scope')).toBe('https://graph.microsoft.us/.default');
  });
});
