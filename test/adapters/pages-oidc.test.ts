import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpService } from '../../src/adapters/http/http-service.js';
import { OidcSignIn } from '../../src/adapters/http/pages/oidc-sign-in.js';
import { pagesRoutes } from '../../src/adapters/http/pages/pages-routes.js';
import { CookieJar, startTestProvider, type TestProvider } from '../helpers/oidc-provider.js';
import { pagesFixture } from '../helpers/pages-fixture.js';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let provider: TestProvider;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = await startTestProvider({
    clientId: 'hanvisa',
    clientSecret: 'provider-test-secret',
    redirectUri: `${base}/auth/callback`,
  });
  const fixture = await pagesFixture();
  const oidc = new OidcSignIn({
    issuer: provider.issuer,
    clientId: 'hanvisa',
    clientSecret: 'provider-test-secret',
    groupRoles: { 'group-it-0001': 'it' },
    allowInsecure: true,
  });
  app = await buildHttpService({
    routes: [pagesRoutes(fixture.deps, fixture.options({ oidc, loopbackLink: null }))],
  });
  await app.listen({ host: '127.0.0.1', port });
});

afterAll(async () => {
  await app?.close();
  await provider?.close();
});

/** Signs in through the provider as the account; returns the browser (cookie jar) and the landing page. */
async function signIn(claims: Record<string, unknown>, next = '/') {
  provider.signInAs({ sub: String(claims.oid ?? claims.email), claims });
  const jar = new CookieJar();
  const { response, url } = await jar.fetch(`${base}/auth/login?next=${encodeURIComponent(next)}`);
  return { jar, response, url, body: await response.text() };
}

async function open(jar: CookieJar, path: string) {
  const response = await fetch(`${base}${path}`, {
    headers: { cookie: jar.header(new URL(base)) },
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

function csrfOf(body: string): string {
  const token = /name="csrf-token" content="([^"]+)"/.exec(body)?.[1];
  if (token === undefined) throw new Error('no csrf token on the page');
  return token;
}

describe('sign-in through a real OpenID provider (authorization code + PKCE)', () => {
  it('a manager matched by e-mail lands on the page asked for, sees own staff only', async () => {
    const bo = await signIn({ oid: 'oid-bo', email: 'bo.berg@vara.se', name: 'Bo Berg' }, '/reports');
    expect(bo.response.status).toBe(200);
    expect(bo.url.pathname).toBe('/reports');
    expect(bo.body).toContain('Bo Bergs medarbetare');
    expect(bo.body).toContain('Bo Berg');
    expect((await open(bo.jar, '/reports?chef=erik')).status).toBe(403);
    expect((await open(bo.jar, '/me')).body).toContain('Min kalenderkoppling');
    expect((await open(bo.jar, '/me?anstalld=anna')).status).toBe(403);
    expect((await open(bo.jar, '/it')).status).toBe(403);
    expect((await open(bo.jar, '/')).status).toBe(403);
    const cookie = bo.jar.get(new URL(base).host, 'hanvisa_session') ?? '';
    expect(cookie).not.toContain('bo.berg');
    expect(Buffer.from(cookie.split('.')[0] ?? '', 'base64url').toString()).not.toContain('@');
  });

  it('an employee sees only themselves, and no reports', async () => {
    const erik = await signIn({ oid: 'oid-erik', email: 'Erik.Ek@vara.se', name: 'Erik Ek' }, '/me');
    expect(erik.body).toContain('Min kalenderkoppling');
    expect((await open(erik.jar, '/me?anstalld=anna')).status).toBe(403);
    expect((await open(erik.jar, '/reports')).status).toBe(403);
    expect((await open(erik.jar, '/api/tavla?q=a')).status).toBe(403);
  });

  it('roles come from app roles (switchboard) and from mapped groups (IT)', async () => {
    const operator = await signIn({ oid: 'oid-op', name: 'Olle Operatör', roles: ['switchboard'] });
    expect(operator.url.pathname).toBe('/');
    expect(operator.body).toContain('Anna Andersson');
    expect((await open(operator.jar, '/it')).status).toBe(403);
    const it = await signIn(
      { oid: 'oid-it', name: 'Ida IT', groups: ['group-it-0001', 'group-other'] },
      '/it',
    );
    expect(it.response.status).toBe(200);
    expect(it.body).toContain('Kalendrar');
    const nobody = await signIn({ oid: 'oid-x', name: 'Ingen Roll' }, '/');
    expect(nobody.response.status).toBe(403);
  });

  it('refuses a tampered cookie and a write without the CSRF token; signs out', async () => {
    const it = await signIn({ oid: 'oid-it2', name: 'Ida IT', groups: ['group-it-0001'] }, '/it');
    const host = new URL(base).host;
    const cookie = it.jar.get(host, 'hanvisa_session') as string;
    const [value, signature] = decodeURIComponent(cookie).split('.') as [string, string];
    const session = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    const tampered = new CookieJar();
    tampered.set(
      host,
      'hanvisa_session',
      `${Buffer.from(JSON.stringify({ ...session, roles: ['it', 'manager'], employee: 'bo' })).toString('base64url')}.${signature}`,
    );
    const refused = await open(tampered, '/reports');
    expect(refused.status).toBe(303);
    expect(refused.location).toBe('/auth/login?next=%2Freports');
    const noToken = await fetch(`${base}/it/kodtest`, {
      method: 'POST',
      headers: { cookie: it.jar.header(new URL(base)), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amne=M%C3%96T%3A+x',
      redirect: 'manual',
    });
    expect(noToken.status).toBe(403);
    const out = await it.jar.fetch(`${base}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(csrfOf(it.body))}`,
    });
    expect(out.url.pathname).toBe('/auth/utloggad');
    expect(await out.response.text()).toContain('Du är utloggad');
    expect(it.jar.get(host, 'hanvisa_session')).toBeUndefined();
    const replay = new CookieJar();
    replay.set(host, 'hanvisa_session', cookie);
    expect((await open(replay, '/it')).status).toBe(303);
  });

  it('a callback without the sign-in cookie (or with a forged state) is refused', async () => {
    const response = await fetch(`${base}/auth/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(response.status).toBe(400);
  });
});
