import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PageRole } from './page-deps.js';
import { messagePage } from './page-html.js';
import { hasRole, isApiPath, refuseUnauthenticated } from './page-session.js';

/** A preHandler that lets through a session holding one of `roles`. */
export type PageGuard = (
  roles: readonly PageRole[],
) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const ROLE_NAMES: Readonly<Record<PageRole, string>> = {
  switchboard: 'växeln',
  it: 'IT',
  manager: 'chef',
  employee: 'medarbetare',
};

/** Refuses a request without a session (sign-in or 401) or without one of the roles (403). */
export const requireRole: PageGuard = (roles) => async (request, reply) => {
  const session = request.pageSession;
  if (session === undefined) return refuseUnauthenticated(request, reply);
  if (!hasRole(session, roles))
    return forbidden(request, reply, roles.map((role) => ROLE_NAMES[role]).join(' eller '));
  return undefined;
};

/** 403: JSON for APIs, a page for pages. */
export function forbidden(request: FastifyRequest, reply: FastifyReply, needs: string) {
  if (isApiPath(request.url)) return reply.code(403).send({ error: `behörighet saknas (kräver ${needs})` });
  return reply
    .code(403)
    .type('text/html; charset=utf-8')
    .send(
      messagePage(
        'Behörighet saknas',
        [`Sidan kräver rollen ${needs}. Be IT ge ditt konto rätt roll i hanvisa om du behöver den.`],
        request.pageSession ?? null,
      ),
    );
}
