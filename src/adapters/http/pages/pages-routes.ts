import fastifyCookie from '@fastify/cookie';
import { codeManualMarkdown } from '../../../domain/codes/code-manual.js';
import type { HttpRoutes } from '../http-service.js';
import { BoardFeed } from './board-feed.js';
import { boardRoutes } from './board-routes.js';
import { itRoutes } from './it-routes.js';
import { meRoutes } from './me-routes.js';
import { assetRoutes } from './page-assets.js';
import type { PagesDeps } from './page-deps.js';
import { requireRole } from './page-guard.js';
import { messagePage } from './page-html.js';
import { csrfMatches, isApiPath, refuseUnauthenticated } from './page-session.js';
import { reportsRoutes } from './reports-routes.js';
import { type PageAuth, sessionCookies, signInRoutes } from './sign-in-routes.js';

export interface PagesOptions {
  readonly auth: PageAuth;
  /** The registered redirect URI (pages.oidc.redirectUri or <publicUrl>/auth/callback), or null: the request's own. */
  readonly redirectUri: string | null;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
} as const;

/**
 * The people's pages on the one HTTP service: the switchboard's board `/`, `/me`, `/it`,
 * `/it/koder` and `/reports`, their JSON and event-stream APIs under `/api/tavla`, sign-in under
 * `/auth`, and local assets. Every page needs a session (signed HttpOnly SameSite cookie) with
 * the page's role; every write needs the session's CSRF token; nothing on them carries a subject.
 */
export function pagesRoutes(deps: PagesDeps, options: PagesOptions): HttpRoutes {
  return async (server) => {
    await server.register(fastifyCookie, { secret: options.auth.sessionSecret, hook: 'onRequest' });
    server.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    const cookies = sessionCookies(options.auth, deps.clock);
    const feed = new BoardFeed(
      deps.employees.values(),
      deps.timeZone,
      deps.sink,
      deps.boardRefreshMs ?? (deps.onCalendarSynced === undefined ? 5_000 : 60_000),
      deps.clock,
    );
    const unsubscribe = deps.onCalendarSynced?.((calendar) => void feed.calendarSynced(calendar));
    server.addHook('onClose', async () => {
      unsubscribe?.();
      feed.stop();
    });
    server.addHook('onRequest', async (request, reply) => {
      const session = cookies.read(request);
      if (session !== undefined) request.pageSession = session;
      if (session !== undefined)
        request.principal = {
          kind: 'session',
          role: session.roles[0] ?? 'none',
          subject: session.employee ?? session.name,
        };
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      if (!request.url.startsWith('/assets/')) reply.header('cache-control', 'no-store');
    });
    server.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return undefined;
      const session = request.pageSession;
      if (session === undefined) {
        if (request.url.startsWith('/auth/logout')) return undefined;
        return refuseUnauthenticated(request, reply);
      }
      const origin = request.headers.origin;
      const sameOrigin =
        origin === undefined || origin === 'null'
          ? origin === undefined
          : new URL(origin).host === request.host;
      if (!sameOrigin || !csrfMatches(request, session)) {
        if (isApiPath(request.url) || (request.headers.accept ?? '').includes('application/json'))
          return reply.code(403).send({ error: 'CSRF-kontrollen misslyckades: ladda om sidan' });
        return reply
          .code(403)
          .type('text/html; charset=utf-8')
          .send(
            messagePage(
              'Formuläret stoppades',
              [
                'Formuläret saknade en giltig kontrollkod (CSRF) eller kom från en annan webbplats. Ladda om sidan och försök igen.',
              ],
              session,
            ),
          );
      }
      return undefined;
    });
    assetRoutes(server);
    signInRoutes(server, options.auth, cookies, {
      employees: deps.employees,
      calendars: deps.calendars,
      redirectUri: options.redirectUri,
    });
    boardRoutes(server, feed, requireRole, deps.timeZone);
    meRoutes(server, deps, requireRole);
    itRoutes(server, deps, requireRole);
    reportsRoutes(server, deps, requireRole);
    server.get(
      '/it/koder.md',
      { preHandler: requireRole(['it', 'switchboard', 'employee', 'manager']) },
      async (_request, reply) =>
        reply.type('text/markdown; charset=utf-8').send(codeManualMarkdown(deps.codes, deps.manual)),
    );
  };
}
