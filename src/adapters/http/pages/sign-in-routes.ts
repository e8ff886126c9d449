import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CalendarRef } from '../../../app/ports/calendar-source.js';
import { describeError } from '../../../app/privacy.js';
import { isLoopbackAddress, sameSecret } from '../api-auth.js';
import type { OidcSignIn, PendingSignIn, SignedInAccount } from './oidc-sign-in.js';
import type { PageEmployee, PageRole } from './page-deps.js';
import { html, messagePage } from './page-html.js';
import {
  csrfMatches,
  decodeSession,
  encodeSession,
  LOGIN_COOKIE,
  type PageSession,
  randomToken,
  SESSION_COOKIE,
  safeReturnPath,
} from './page-session.js';

/**
 * The one-time sign-in link `hanvisa start` prints on a loopback listener (as Jupyter does):
 * whoever opens it first on this machine gets an IT session; then it is spent.
 */
export class LoopbackLink {
  private spent = false;
  constructor(readonly token: string) {}

  /** True once, for the right token. */
  consume(given: string): boolean {
    if (this.spent || !sameSecret(given, this.token)) return false;
    this.spent = true;
    return true;
  }
}

export interface PageAuth {
  /** Signs the cookies (HANVISA_SESSION_SECRET, or a random key per process). */
  readonly sessionSecret: string;
  readonly sessionHours: number;
  /** Secure cookies: on when the pages are served over https (pages.publicUrl). */
  readonly secureCookies: boolean;
  readonly oidc: OidcSignIn | null;
  readonly loopbackLink: LoopbackLink | null;
}

/** Which directory employee an account is: by Entra object id or e-mail/UPN of a Graph mailbox, or by e-mail. */
export function matchEmployee(
  account: SignedInAccount,
  employees: ReadonlyMap<string, PageEmployee>,
  calendars: readonly CalendarRef[],
): PageEmployee | null {
  const names = new Set(account.names);
  for (const calendar of calendars) {
    if (calendar.kind !== 'graph') continue;
    const address = calendar.address.toLowerCase();
    if ((account.objectId !== null && address === account.objectId.toLowerCase()) || names.has(address)) {
      return employees.get(calendar.employee) ?? null;
    }
  }
  for (const employee of employees.values()) {
    if (employee.email !== null && names.has(employee.email.toLowerCase())) return employee;
  }
  return null;
}

/** The roles a session gets: the token's, plus employee (and manager) for a matched directory person. */
export function sessionRoles(
  account: SignedInAccount,
  employee: PageEmployee | null,
  employees: ReadonlyMap<string, PageEmployee>,
): PageRole[] {
  const roles = new Set<PageRole>(account.roles);
  if (employee !== null) {
    roles.add('employee');
    for (const other of employees.values()) if (other.manager === employee.id) roles.add('manager');
  }
  return [...roles];
}

export interface SessionCookies {
  read(request: FastifyRequest): PageSession | undefined;
  start(reply: FastifyReply, session: Omit<PageSession, 'sid' | 'csrf' | 'exp'>): PageSession;
  end(reply: FastifyReply, session: PageSession | undefined): void;
}

/** Reads, writes and revokes the signed session cookie. */
export function sessionCookies(auth: PageAuth, clock: () => number): SessionCookies {
  const revoked = new Map<string, number>();
  const options = {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: auth.secureCookies,
    path: '/',
  };
  return {
    read(request) {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie === undefined) return undefined;
      const unsigned = request.unsignCookie(cookie);
      if (!unsigned.valid || unsigned.value === null) return undefined;
      const now = clock();
      const session = decodeSession(unsigned.value, now);
      if (session === null || revoked.has(session.sid)) return undefined;
      return session;
    },
    start(reply, fields) {
      const session: PageSession = {
        ...fields,
        sid: randomToken(),
        csrf: randomToken(),
        exp: clock() + auth.sessionHours * 3_600_000,
      };
      reply.setCookie(SESSION_COOKIE, encodeSession(session), {
        ...options,
        maxAge: Math.floor(auth.sessionHours * 3600),
      });
      return session;
    },
    end(reply, session) {
      if (session !== undefined) {
        const now = clock();
        for (const [sid, exp] of revoked) if (exp <= now) revoked.delete(sid);
        revoked.set(session.sid, session.exp);
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  };
}

function page(reply: FastifyReply, status: number, text: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(text);
}

function readPending(request: FastifyRequest): PendingSignIn | null {
  const cookie = request.cookies[LOGIN_COOKIE];
  if (cookie === undefined) return null;
  const unsigned = request.unsignCookie(cookie);
  if (!unsigned.valid || unsigned.value === null) return null;
  try {
    const value = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as PendingSignIn;
    return typeof value.verifier === 'string' &&
      typeof value.state === 'string' &&
      typeof value.redirectUri === 'string'
      ? value
      : null;
  } catch {
    return null;
  }
}

/**
 * `/auth/login` (to the OpenID provider), `/auth/callback`, `POST /auth/logout` (CSRF), the
 * loopback link (`/?token=…`, loopback peers only), and the pages that explain each outcome.
 */
export function signInRoutes(
  server: FastifyInstance,
  auth: PageAuth,
  cookies: SessionCookies,
  directory: {
    readonly employees: ReadonlyMap<string, PageEmployee>;
    readonly calendars: readonly CalendarRef[];
    readonly redirectUri: string | null;
  },
): void {
  server.addHook('onRequest', async (request, reply) => {
    const token = (request.query as { token?: unknown }).token;
    if (request.method !== 'GET' || typeof token !== 'string') return undefined;
    const path = request.url.split('?')[0] ?? '/';
    const link = auth.loopbackLink;
    if (link === null || !isLoopbackAddress(request.socket.remoteAddress) || !link.consume(token)) {
      return page(
        reply,
        403,
        messagePage(
          'Länken fungerar inte',
          [
            'Inloggningslänken är redan använd, fel, eller öppnad från en annan dator. Den gäller en gång, på datorn där hanvisa körs.',
            'Starta om hanvisa för att få en ny länk.',
          ],
          null,
        ),
      );
    }
    cookies.start(reply, { roles: ['it', 'switchboard'], employee: null, name: 'IT (den här datorn)' });
    return reply.redirect(safeReturnPath(path), 303);
  });

  server.get('/auth/login', async (request, reply) => {
    const next = safeReturnPath((request.query as { next?: unknown }).next);
    if (auth.oidc === null) {
      return page(
        reply,
        401,
        messagePage(
          'Logga in',
          auth.loopbackLink === null
            ? [
                'Inloggning med Entra ID är inte konfigurerad (pages.oidc i konfigurationen).',
                'På en server som bara lyssnar på den här datorn skriver "hanvisa start" ut en inloggningslänk.',
              ]
            : ['Öppna inloggningslänken som "hanvisa start" skrev ut i terminalen.'],
          null,
        ),
      );
    }
    let started: Awaited<ReturnType<OidcSignIn['begin']>>;
    try {
      started = await auth.oidc.begin(
        next,
        directory.redirectUri ?? `${request.protocol}://${request.host}/auth/callback`,
      );
    } catch (error) {
      return page(
        reply,
        503,
        messagePage(
          'Inloggningen är inte tillgänglig',
          [`Försök igen om en stund (${describeError(error)}).`],
          null,
        ),
      );
    }
    reply.setCookie(LOGIN_COOKIE, Buffer.from(JSON.stringify(started.pending)).toString('base64url'), {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: auth.secureCookies,
      path: '/auth',
      maxAge: 600,
    });
    return reply.redirect(started.url, 303);
  });

  server.get('/auth/callback', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (auth.oidc === null) return page(reply, 404, messagePage('Sidan finns inte', [], null));
    const pending = readPending(request);
    reply.clearCookie(LOGIN_COOKIE, { path: '/auth' });
    if (typeof query.error === 'string') {
      return page(
        reply,
        401,
        messagePage('Inloggningen avbröts', [html`<a href="/auth/login">Försök igen</a>`], null),
      );
    }
    if (pending === null) {
      return page(
        reply,
        400,
        messagePage('Inloggningen gick ut', [html`Börja om: <a href="/auth/login">logga in</a>.`], null),
      );
    }
    const callback = new URL(pending.redirectUri);
    callback.search = new URL(request.url, 'http://callback.invalid').search;
    let account: SignedInAccount;
    try {
      account = await auth.oidc.finish(callback, pending);
    } catch (error) {
      return page(
        reply,
        401,
        messagePage(
          'Inloggningen godtogs inte',
          [describeError(error), html`<a href="/auth/login">Försök igen</a>`],
          null,
        ),
      );
    }
    const employee = matchEmployee(account, directory.employees, directory.calendars);
    const roles = sessionRoles(account, employee, directory.employees);
    cookies.start(reply, {
      roles,
      employee: employee?.id ?? null,
      name: employee?.name ?? account.displayName ?? 'Inloggad',
    });
    return reply.redirect(pending.next, 303);
  });

  server.post('/auth/logout', async (request, reply) => {
    const session = request.pageSession;
    if (session !== undefined && !csrfMatches(request, session)) {
      return page(
        reply,
        403,
        messagePage(
          'Utloggningen stoppades',
          ['Formuläret saknade en giltig kontrollkod (CSRF). Ladda om sidan och försök igen.'],
          session,
        ),
      );
    }
    cookies.end(reply, session);
    return reply.redirect('/auth/utloggad', 303);
  });

  server.get('/auth/utloggad', async (_request, reply) =>
    page(reply, 200, messagePage('Du är utloggad', [html`<a href="/auth/login">Logga in igen</a>`], null)),
  );
}
