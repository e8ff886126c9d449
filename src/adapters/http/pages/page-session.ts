import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../api-auth.js';
import { PAGE_ROLES, type PageRole } from './page-deps.js';

/**
 * A signed-in person. The cookie holds this, signed (HMAC-SHA256 through @fastify/cookie), so
 * it cannot be changed without the key; it holds an employee id and a display name, never an
 * e-mail address, token or anything of a calendar.
 */
export interface PageSession {
  /** Random id: sign-out revokes it in this process. */
  readonly sid: string;
  readonly roles: readonly PageRole[];
  /** The directory employee this account is, or null (e.g. the loopback link's IT session). */
  readonly employee: string | null;
  readonly name: string;
  /** The CSRF token every write must echo (form field `_csrf` or header `x-csrf-token`). */
  readonly csrf: string;
  /** Expiry, ms since the epoch. */
  readonly exp: number;
}

export const SESSION_COOKIE = 'hanvisa_session';
export const LOGIN_COOKIE = 'hanvisa_login';

declare module 'fastify' {
  interface FastifyRequest {
    /** The pages' session, when the request carries a valid one. */
    pageSession?: PageSession;
  }
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Encodes a session for the cookie (before signing). */
export function encodeSession(session: PageSession): string {
  return Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
}

/** Decodes a verified cookie value into a session, or null when it is not one or has expired. */
export function decodeSession(text: string, now: number): PageSession | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const item = value as Record<string, unknown>;
  if (
    typeof item.sid !== 'string' ||
    typeof item.csrf !== 'string' ||
    typeof item.name !== 'string' ||
    typeof item.exp !== 'number' ||
    !(item.employee === null || typeof item.employee === 'string') ||
    !Array.isArray(item.roles)
  ) {
    return null;
  }
  if (item.exp <= now) return null;
  const roles = item.roles.filter((role): role is PageRole => PAGE_ROLES.includes(role as PageRole));
  return {
    sid: item.sid,
    roles,
    employee: item.employee as string | null,
    name: item.name,
    csrf: item.csrf,
    exp: item.exp,
  };
}

/** Whether the session holds any of the roles. */
export function hasRole(session: PageSession | undefined, roles: readonly PageRole[]): boolean {
  return session?.roles.some((role) => roles.includes(role)) ?? false;
}

/** Whether a write carries the session's CSRF token (constant-time comparison). */
export function csrfMatches(request: FastifyRequest, session: PageSession): boolean {
  const header = request.headers['x-csrf-token'];
  const body = request.body as Record<string, unknown> | undefined;
  const given =
    typeof header === 'string' ? header : typeof body?._csrf === 'string' ? (body._csrf as string) : '';
  return given !== '' && sameSecret(given, session.csrf);
}

/** API paths answer JSON 401/403; pages redirect to sign-in or show a page. */
export function isApiPath(url: string): boolean {
  return url.startsWith('/api/');
}

/** A return path after sign-in: only a local absolute path, never another site. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\'))
    return '/';
  return value.length > 500 ? '/' : value;
}

/** Sends an unauthenticated request to sign-in (pages) or answers 401 (APIs). */
export function refuseUnauthenticated(request: FastifyRequest, reply: FastifyReply) {
  if (isApiPath(request.url)) {
    return reply.code(401).send({ error: 'inte inloggad: logga in på sidorna först' });
  }
  const next = encodeURIComponent(safeReturnPath(request.url));
  return reply.redirect(`/auth/login?next=${next}`, 303);
}
