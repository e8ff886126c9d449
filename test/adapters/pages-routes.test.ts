import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHttpService } from '../../src/adapters/http/http-service.js';
import { pagesRoutes } from '../../src/adapters/http/pages/pages-routes.js';
import { pagesSignIn } from '../../src/app/composition-root.js';
import { requireChromium } from '../helpers/browser.js';
import { at, entry, type PagesFixture, pagesFixture } from '../helpers/pages-fixture.js';

let server: FastifyInstance | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(fixture: PagesFixture, options = fixture.options()) {
  server = await buildHttpService({ routes: [pagesRoutes(fixture.deps, options)] });
  return server;
}

function cookieOf(response: { headers: Record<string, unknown> }): string {
  const header = response.headers['set-cookie'];
  const list = Array.isArray(header) ? header : [header];
  const session = list.find((item) => typeof item === 'string' && item.startsWith('hanvisa_session='));
  if (typeof session !== 'string') throw new Error('no session cookie');
  return session.split(';')[0] as string;
}

async function signIn(app: FastifyInstance): Promise<{ cookie: string; csrf: string }> {
  const response = await app.inject({ method: 'GET', url: '/?token=one-time-token' });
  expect(response.statusCode).toBe(303);
  const cookie = cookieOf(response);
  const page = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
  if (csrf === undefined) throw new Error('no csrf token');
  return { cookie, csrf };
}

describe('pages: sign-in with the loopback link', () => {
  it('refuses pages and APIs without a session, leaves assets open', async () => {
    const app = await start(await pagesFixture());
    const page = await app.inject({ method: 'GET', url: '/it' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/auth/login?next=%2Fit');
    expect((await app.inject({ method: 'GET', url: '/api/tavla?q=a' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/assets/hanvisa.css' })).statusCode).toBe(200);
    const login = await app.inject({ method: 'GET', url: '/auth/login' });
    expect(login.statusCode).toBe(401);
    expect(login.body).toContain('inloggningslänken');
  });

  it('gives an IT session once, to a loopback peer only', async () => {
    const app = await start(await pagesFixture());
    const far = await app.inject({ method: 'GET', url: '/?token=one-time-token', remoteAddress: '10.1.2.3' });
    expect(far.statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/?token=wrong' })).statusCode).toBe(403);
    const first = await app.inject({ method: 'GET', url: '/?token=one-time-token' });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect((await app.inject({ method: 'GET', url: '/?token=one-time-token' })).statusCode).toBe(403);
  });

  it('a link-less setup (no loopback listener, no OIDC) cannot sign in at all', async () => {
    const fixture = await pagesFixture();
    const app = await start(fixture, fixture.options({ loopbackLink: null }));
    expect((await app.inject({ method: 'GET', url: '/?token=one-time-token' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/auth/login' })).body).toContain('pages.oidc');
  });

  it('refuses a tampered cookie', async () => {
    const app = await start(await pagesFixture());
    const { cookie } = await signIn(app);
    const [name, value] = cookie.split('=') as [string, string];
    const payload = JSON.parse(Buffer.from(value.split('.')[0] as string, 'base64url').toString('utf8'));
    payload.roles = ['it', 'switchboard', 'manager'];
    const forged = `${name}=${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${value.split('.')[1]}`;
    const response = await app.inject({ method: 'GET', url: '/it', headers: { cookie: forged } });
    expect(response.statusCode).toBe(303);
  });

  it('signs out with the CSRF token, and the old cookie no longer works', async () => {
    const app = await start(await pagesFixture());
    const { cookie, csrf } = await signIn(app);
    const refused = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie },
      payload: {},
    });
    expect(refused.statusCode).toBe(403);
    const out = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}`,
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/auth/utloggad');
    expect(String(out.headers['set-cookie'])).toMatch(/hanvisa_session=;/);
    expect((await app.inject({ method: 'GET', url: '/', headers: { cookie } })).statusCode).toBe(303);
  });
});

describe('pages: the board', () => {
  it('shows now-state and what is next today, and searches by name, extension and unit', async () => {
    const fixture = await pagesFixture();
    const app = await start(fixture);
    const { cookie } = await signIn(app);
    const page = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('<html lang="sv">');
    expect(page.body).toContain('Anna Andersson');
    expect(page.body).toContain('Möte, åter 14.30');
    const search = async (q: string) =>
      (
        await app.inject({ method: 'GET', url: `/api/tavla?q=${encodeURIComponent(q)}`, headers: { cookie } })
      ).json();
    const anna = await search('anna');
    expect(anna.people.map((person: { id: string }) => person.id)).toEqual(['anna']);
    expect(anna.people[0]).toMatchObject({ state: 'away', now: 'Möte, åter 14.30' });
    const cecilia = await search('31002');
    expect(cecilia.people[0]).toMatchObject({ id: 'cecilia', state: 'info', now: 'Lunch, åter 10.30' });
    const david = await search('dav');
    expect(david.people[0]).toMatchObject({ state: 'available', next: 'Ute på besök 13.00–15.00' });
    expect((await search('zzz')).total).toBe(0);
    expect((await search('carlsson cec')).people[0].id).toBe('cecilia');
  });

  it('notices a sync: the event stream says the board changed', async () => {
    const fixture = await pagesFixture();
    const app = await start(fixture);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { cookie } = await signIn(app);
    const address = app.server.address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${address.port}/api/tavla/handelser`, {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('event: version')) text += decoder.decode((await reader.read()).value);
    await fixture.put(
      entry('erik', 'Sjuk', at('2026-03-03T08:00'), at('2026-03-04T00:00'), 'referred', 'sick'),
    );
    while (!text.includes('event: uppdaterad')) text += decoder.decode((await reader.read()).value);
    controller.abort();
    const erik = (await app.inject({ method: 'GET', url: '/api/tavla?q=erik', headers: { cookie } })).json();
    expect(erik.people[0]).toMatchObject({ state: 'away', now: 'Sjuk, åter ons 4 mars' });
  });
});

describe('pages: IT, the code tester and the manual', () => {
  it('lists every calendar with last success, error and entries; the tester answers; CSRF is required', async () => {
    const fixture = await pagesFixture();
    const app = await start(fixture);
    const { cookie, csrf } = await signIn(app);
    const page = await app.inject({ method: 'GET', url: '/it', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('erik/ics-1');
    expect(page.body).toContain('the feed answered 404');
    expect(page.body).not.toContain('fixtures/ical');
    const rows = [...page.body.matchAll(/<tr class="(failing)?"><th scope="row">([^<]+)<\/th>/g)].map(
      (match) => match[2],
    );
    expect(rows[0]).toBe('Erik Ek');
    expect(rows).toHaveLength(5);
    const filtered = await app.inject({ method: 'GET', url: '/it?kalender=cecil', headers: { cookie } });
    expect([...filtered.body.matchAll(/<th scope="row">([^<]+)<\/th>/g)].map((match) => match[1])).toEqual([
      'Cecilia Carlsson',
    ]);
    expect(filtered.body).toContain('Visar 1 av 5');
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/it/kodtest',
      headers: { cookie, accept: 'application/json' },
      payload: { amne: 'MÖT: Budget' },
    });
    expect(noCsrf.statusCode).toBe(403);
    const tested = await app.inject({
      method: 'POST',
      url: '/it/kodtest',
      headers: { cookie, accept: 'application/json', 'x-csrf-token': csrf },
      payload: { amne: 'MTÖ: Budget' },
    });
    expect(tested.json()).toMatchObject({ code: null, unknownCode: 'MTÖ', suggestion: 'MÖT' });
    const form = await app.inject({
      method: 'POST',
      url: '/it/kodtest',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&amne=${encodeURIComponent('möt; Budget')}`,
    });
    expect(form.body).toContain('Bara information');
    const sync = await app.inject({
      method: 'POST',
      url: '/it/synka',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf)}&kalender=erik%2Fics-1`,
    });
    expect(sync.body).toContain('läses om strax');
    expect(fixture.enqueued).toEqual([{ kind: 'syncCalendar', data: { calendar: 'erik/ics-1' } }]);
    const foreign = await app.inject({
      method: 'POST',
      url: '/it/synka',
      headers: {
        cookie,
        origin: 'https://evil.example',
        'x-csrf-token': csrf,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'kalender=erik%2Fics-1',
    });
    expect(foreign.statusCode).toBe(403);
  });

  it('shows which mailboxes get push and which fell back to polling', async () => {
    const fixture = await pagesFixture();
    const push = new Map<string, 'active' | 'failing'>([
      ['anna/ics-1', 'active'],
      ['erik/ics-1', 'failing'],
    ]);
    server = await buildHttpService({
      routes: [
        pagesRoutes(
          { ...fixture.deps, pushStatus: async () => push, safetyPollMs: 3_600_000 },
          fixture.options(),
        ),
      ],
    });
    const { cookie } = await signIn(server);
    const page = await server.inject({ method: 'GET', url: '/it', headers: { cookie } });
    const row = (name: string) => page.body.split('<tr').find((item) => item.includes(`>${name}</th>`)) ?? '';
    expect(row('Anna Andersson')).toMatch(/<span class="ok">push<\/span>/);
    expect(row('Anna Andersson')).toContain('Vid ändring, senast');
    expect(row('Erik Ek')).toContain('push fungerar inte: läses vid varje cykel');
    expect(row('Cecilia Carlsson')).not.toContain('push');
  });

  it('serves the code manual from the code table, as HTML and Markdown', async () => {
    const app = await start(await pagesFixture());
    const { cookie } = await signIn(app);
    const page = await app.inject({ method: 'GET', url: '/it/koder', headers: { cookie } });
    expect(page.body).toContain('Manual för koder');
    expect(page.body).toContain('<code>MÖTE</code>');
    expect(page.body).toContain('Gått för dagen');
    const md = await app.inject({ method: 'GET', url: '/it/koder.md', headers: { cookie } });
    expect(md.body).toContain('| MÖT | MOT, MÖTE | Möte | ja |');
  });
});

describe('pages: /me and /reports', () => {
  it('shows an employee page with unknown codes and their suggestion, and late meetings', async () => {
    const fixture = await pagesFixture();
    fixture.clock.now = at('2026-02-25T10:00');
    const app = await start(fixture);
    const { cookie } = await signIn(app);
    const page = await app.inject({ method: 'GET', url: '/me?anstalld=anna', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Kalenderkoppling: Anna Andersson');
    expect(page.body).toContain('menade du <strong><code>MÖT</code></strong>');
    expect(page.body).toContain('lades in efter tidsgränsen');
  });

  it('shows a manager report for a chosen week with the 12-week chart', async () => {
    const app = await start(await pagesFixture());
    const { cookie } = await signIn(app);
    const page = await app.inject({
      method: 'GET',
      url: '/reports?chef=bo&vecka=2026-W09',
      headers: { cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<svg');
    expect(page.body).toContain('v. 9: 1');
    expect(page.body).toMatch(/Anna Andersson<\/th><td>tis 24 feb/);
  });
});

describe('pages: which sign-in a listener gets', () => {
  it('prints the one-time link on a loopback listener only; never with Entra ID configured', async () => {
    const { config } = await pagesFixture();
    expect(pagesSignIn(config, '127.0.0.1').linkFor('http://127.0.0.1:8080')).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/\?token=[\w-]{32}$/,
    );
    expect(pagesSignIn(config, '::1').linkFor('http://[::1]:8080')).not.toBeNull();
    const open = pagesSignIn(config, '0.0.0.0');
    expect(open.linkFor('http://0.0.0.0:8080')).toBeNull();
    expect(open.options.auth.loopbackLink).toBeNull();
    const withOidc = {
      ...config,
      pages: {
        ...config.pages,
        publicUrl: 'https://hanvisa.example.se',
        oidc: { issuer: 'https://login.example.se/t/v2.0', clientId: 'c', groupRoles: {} },
      },
    };
    const entra = pagesSignIn(withOidc, '127.0.0.1');
    expect(entra.linkFor('http://127.0.0.1:8080')).toBeNull();
    expect(entra.options.redirectUri).toBe('https://hanvisa.example.se/auth/callback');
    expect(entra.options.auth.secureCookies).toBe(true);
  });

  it('the browser tests fail, saying what to install, when Chromium is missing', () => {
    expect(() => requireChromium('/nonexistent/chromium')).toThrow(/apt-get install chromium/);
  });
});
