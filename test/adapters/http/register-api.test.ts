import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ApiCredentials } from '../../../src/adapters/http/api-auth.js';
import { healthRoutes } from '../../../src/adapters/http/health-routes.js';
import { buildHttpService } from '../../../src/adapters/http/http-service.js';
import { metricsRoutes } from '../../../src/adapters/http/metrics-routes.js';
import { registerRoutes } from '../../../src/adapters/http/register-routes.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { HanvisaMetrics } from '../../../src/app/metrics.js';
import { referralContentHash } from '../../../src/domain/referral-entry.js';
import { ROOT } from '../../helpers/sample-config.js';

/**
 * The register API against its OpenAPI document: every request a test sends is valid by the
 * document's request schema, and every response it gets is validated against the document's
 * response schema for that path, method and status (an undocumented status fails).
 */
type Document = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const document = parse(
  readFileSync(path.join(ROOT, 'openapi/referral-register.yaml'), 'utf8'),
) as Document & {
  components: { responses: Record<string, unknown> };
};
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
ajv.addSchema(document as object, 'openapi');

function responseSchema(route: string, method: string, status: number): object | null {
  const operation = document.paths[route]?.[method];
  if (operation === undefined) throw new Error(`${method} ${route} is not in the document`);
  let response = operation.responses[String(status)] as {
    $ref?: string;
    content?: Record<string, { schema: object }>;
  };
  if (response === undefined) throw new Error(`${method} ${route} ${status} is not documented`);
  if (response.$ref !== undefined) {
    const name = response.$ref.split('/').pop() as string;
    response = document.components.responses[name] as typeof response;
  }
  const schema = response.content?.['application/json']?.schema;
  return schema === undefined ? null : schema;
}

/** Validates `body` against the document; schemas are compiled inside the document so $refs resolve. */
function expectDocumented(route: string, method: string, status: number, body: string): void {
  const schema = responseSchema(route, method, status);
  if (schema === null) return;
  const validate = ajv.compile({ $ref: `openapi#${pointerTo(route, method, status)}` });
  const ok = validate(JSON.parse(body));
  expect(ok, `${method.toUpperCase()} ${route} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

function pointerTo(route: string, method: string, status: number): string {
  const operation = document.paths[route]?.[method] as { responses: Record<string, { $ref?: string }> };
  const response = operation.responses[String(status)] as { $ref?: string };
  const base =
    response.$ref !== undefined
      ? response.$ref.slice(1)
      : `/paths/${route.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${status}`;
  return `${base}/content/application~1json/schema`;
}

const requestValidator = ajv.compile({ $ref: 'openapi#/components/schemas/ReferralEntry' });

const CLIENT = 'client-token';
const SYNC = 'sync-token';
const credentials: ApiCredentials = {
  clientTokens: [CLIENT],
  syncToken: SYNC,
  syncUser: null,
  syncPassword: null,
  open: false,
};

function entry(id: string, extra: Record<string, unknown> = {}) {
  const content = {
    employee: 'anna',
    extension: '0512-31001',
    reason: 'meeting',
    label: 'Möte',
    mode: 'referred' as const,
    start: Date.UTC(2026, 11, 1, 9),
    end: Date.UTC(2026, 11, 1, 10),
  };
  return { id, ...content, ...extra };
}

let server: FastifyInstance;
let db: ReturnType<typeof openDatabase>;
beforeAll(async () => {
  db = openDatabase(':memory:');
  const ok = async () => ({ ok: true, checks: {} });
  server = await buildHttpService({
    routes: [
      healthRoutes({ liveness: ok, readiness: async () => ({ ok: false, checks: { redis: 'down' } }) }),
      metricsRoutes(new HanvisaMetrics().registry, credentials),
      registerRoutes(new SqliteReferralSink(db), credentials),
    ],
  });
});
afterAll(async () => {
  await server.close();
  db.close();
});

async function call(
  method: 'GET' | 'PUT' | 'DELETE',
  url: string,
  options: {
    token?: string | null;
    body?: object;
    headers?: Record<string, string>;
    remoteAddress?: string;
  } = {},
) {
  const token = options.token === undefined ? CLIENT : options.token;
  if (options.body !== undefined)
    expect(requestValidator(options.body), ajv.errorsText(requestValidator.errors)).toBe(true);
  const response = await server.inject({
    method,
    url,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
    ...(options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }),
  });
  const route = url.split('?')[0]?.startsWith('/referrals/')
    ? '/referrals/{id}'
    : (url.split('?')[0] as string);
  if (response.statusCode !== 204 && !route.startsWith('/metrics'))
    expectDocumented(route, method.toLowerCase(), response.statusCode, response.body);
  return response;
}

describe('the register API (fastify, validated against openapi/referral-register.yaml)', () => {
  it('the document check can fail: an entry without its version is not a VersionedEntry', () => {
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/VersionedEntry' });
    expect(
      validate({
        ...entry('z'),
        source: 'manual',
        sourceRef: { calendar: '', uid: '', recurrenceId: null },
        contentHash: 'h',
      }),
    ).toBe(false);
    expect(() => expectDocumented('/referrals/{id}', 'get', 418, '{}')).toThrow(/not documented/);
  });

  it('refuses every register call without a valid credential; health stays open', async () => {
    expect((await call('GET', '/referrals', { token: null })).statusCode).toBe(401);
    expect((await call('GET', '/referrals', { token: 'nope' })).statusCode).toBe(401);
    expect((await call('PUT', '/referrals/x1', { token: null, body: entry('x1') })).statusCode).toBe(401);
    expect((await call('DELETE', '/referrals/x1', { token: null })).statusCode).toBe(401);
    expect((await call('GET', '/healthz', { token: null })).statusCode).toBe(200);
    expect((await call('GET', '/readyz', { token: null })).statusCode).toBe(503);
  });

  it('/metrics: a token or a peer on this host', async () => {
    expect((await call('GET', '/metrics', { token: null, remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
    expect((await call('GET', '/metrics', { token: null, remoteAddress: '10.1.2.3' })).statusCode).toBe(401);
    expect((await call('GET', '/metrics', { token: CLIENT, remoteAddress: '10.1.2.3' })).statusCode).toBe(
      200,
    );
  });

  it("a client's entry is manual whatever it says; sourceRef is not the client's to set", async () => {
    const forged = entry('m1', {
      source: 'calendar',
      sourceRef: { calendar: 'anna/ics-1', uid: 'forged', recurrenceId: null },
    });
    const put = await call('PUT', '/referrals/m1', { body: forged });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ source: 'manual', sourceRef: { calendar: '', uid: '' } });
    expect((await call('GET', '/referrals?calendar=anna%2Fics-1')).json()).toEqual({ entries: [] });
    expect((await call('GET', '/referrals?source=manual')).json().entries).toHaveLength(1);
  });

  it('an entry the calendar connection owns: only the sync credential changes or deletes it (409 for others)', async () => {
    const owned = entry('c1', {
      source: 'calendar',
      sourceRef: { calendar: 'anna/ics-1', uid: 'h1', recurrenceId: null },
    });
    expect((await call('PUT', '/referrals/c1', { token: SYNC, body: owned })).statusCode).toBe(201);
    expect((await call('PUT', '/referrals/c1', { body: { ...owned, label: 'Borta' } })).statusCode).toBe(409);
    expect((await call('DELETE', '/referrals/c1')).statusCode).toBe(409);
    const got = await call('GET', '/referrals/c1');
    expect(got.json()).toMatchObject({ source: 'calendar', label: 'Möte', version: 1 });
    expect((await call('DELETE', '/referrals/c1', { token: SYNC })).statusCode).toBe(204);
    // A client cannot take an id shaped like a calendar entry's, so sync never meets a manual entry there.
    const calendarShaped = 'a'.repeat(32);
    expect(
      (await call('PUT', `/referrals/${calendarShaped}`, { body: entry(calendarShaped) })).statusCode,
    ).toBe(409);
  });

  it('versions entries: ETag on PUT and GET, If-Match checked, 201 then 200, 404 after delete', async () => {
    const one = entry('v1');
    const created = await call('PUT', '/referrals/v1', { body: one });
    expect([created.statusCode, created.headers.etag]).toEqual([201, '"1"']);
    const same = await call('PUT', '/referrals/v1', { body: one });
    expect([same.statusCode, same.headers.etag]).toEqual([200, '"1"']);
    const changed = { ...one, label: 'Sammanträde' };
    expect(
      (await call('PUT', '/referrals/v1', { body: changed, headers: { 'if-match': '"7"' } })).statusCode,
    ).toBe(412);
    const fresh = await call('PUT', '/referrals/v1', { body: changed, headers: { 'if-match': '"1"' } });
    expect([fresh.statusCode, fresh.headers.etag]).toEqual([200, '"2"']);
    expect(fresh.json()).toMatchObject({ contentHash: referralContentHash({ ...changed }), version: 2 });
    expect((await call('DELETE', '/referrals/v1', { headers: { 'if-match': '"1"' } })).statusCode).toBe(412);
    expect((await call('DELETE', '/referrals/v1')).statusCode).toBe(204);
    expect((await call('DELETE', '/referrals/v1')).statusCode).toBe(404);
    expect((await call('GET', '/referrals/v1')).statusCode).toBe(404);
  });

  it('rejects a body that is not an entry, whose id differs, that is too large or not JSON', async () => {
    const subject = await server.inject({
      method: 'PUT',
      url: '/referrals/b1',
      headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...entry('b1'), subject: 'Budgetmöte' }),
    });
    expect(subject.statusCode).toBe(400);
    expectDocumented('/referrals/{id}', 'put', 400, subject.body);
    expect((await call('PUT', '/referrals/other', { body: entry('b2') })).statusCode).toBe(400);
    const big = await server.inject({
      method: 'PUT',
      url: '/referrals/b3',
      headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...entry('b3'), label: 'x'.repeat(100_000) }),
    });
    expect(big.statusCode).toBe(413);
    expectDocumented('/referrals/{id}', 'put', 413, big.body);
    const text = await server.inject({
      method: 'PUT',
      url: '/referrals/b4',
      headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expectDocumented('/referrals/{id}', 'put', 415, text.body);
  });
});
