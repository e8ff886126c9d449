import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Who is calling. `sync` is hanvisa's own credential (its workers on other hosts write the
 * entries they own through the `rest` sink); `client` is any other API client (a vendor's
 * system, a script): it reads, and writes `manual` entries only; `open` is a loopback-only
 * listener whose config says `server.auth: none`.
 */
export type Principal =
  | { readonly kind: 'sync' }
  | { readonly kind: 'client' }
  | { readonly kind: 'open' }
  | { readonly kind: 'session'; readonly role: string; readonly subject: string };

/** The credentials the service accepts, all from the environment. */
export interface ApiCredentials {
  /** API client tokens (HANVISA_API_TOKENS, comma-separated). */
  readonly clientTokens: readonly string[];
  /** hanvisa's own workers' credential (HANVISA_SINK_TOKEN, or user and password for basic). */
  readonly syncToken: string | null;
  readonly syncUser: string | null;
  readonly syncPassword: string | null;
  /** `server.auth: none` (allowed on a loopback-only listener). */
  readonly open: boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time equality: both sides are hashed first, so neither length nor content leaks. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** True for 127.0.0.0/8, ::1, localhost and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  const mapped = bare.toLowerCase().startsWith('::ffff:') ? bare.slice(7) : bare;
  if (isIP(mapped) === 4) return mapped.startsWith('127.');
  return mapped === '::1';
}

/** Whether any credential is configured at all. */
export function hasCredential(credentials: ApiCredentials): boolean {
  return (
    credentials.clientTokens.length > 0 ||
    credentials.syncToken !== null ||
    (credentials.syncUser !== null && credentials.syncPassword !== null)
  );
}

/**
 * The principal a request's `Authorization` header proves, or null. Every comparison runs in
 * constant time, and all configured tokens are compared (no early exit that times a match).
 */
export function authenticate(header: string | undefined, credentials: ApiCredentials): Principal | null {
  const text = header ?? '';
  let found: Principal | null = null;
  if (text.startsWith('Bearer ')) {
    const token = text.slice(7).trim();
    if (credentials.syncToken !== null && sameSecret(token, credentials.syncToken)) found = { kind: 'sync' };
    for (const expected of credentials.clientTokens)
      if (sameSecret(token, expected) && found === null) found = { kind: 'client' };
  } else if (
    text.startsWith('Basic ') &&
    credentials.syncUser !== null &&
    credentials.syncPassword !== null
  ) {
    const expected = `${credentials.syncUser}:${credentials.syncPassword}`;
    const given = Buffer.from(text.slice(6).trim(), 'base64').toString('utf8');
    if (sameSecret(given, expected)) found = { kind: 'sync' };
  }
  if (found !== null) return found;
  return credentials.open ? { kind: 'open' } : null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireApiCredential` (and by the pages' session check). */
    principal?: Principal;
  }
}

/** A preHandler: 401 with a `WWW-Authenticate` challenge unless the request proves a principal. */
export function requireApiCredential(credentials: ApiCredentials) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = request.principal ?? authenticate(request.headers.authorization, credentials);
    if (principal === null) {
      reply.header('www-authenticate', 'Bearer realm="hanvisa"');
      return reply
        .code(401)
        .send({ error: 'missing or wrong credentials: send Authorization: Bearer <token>' });
    }
    request.principal = principal;
  };
}
