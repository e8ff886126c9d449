import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Instant } from '../../domain/occurrence.js';
import type { HttpRoutes } from './http-service.js';

/** Where Graph posts, below `push.publicUrl`. */
export const NOTIFICATION_PATH = '/graph/notifications';
export const LIFECYCLE_PATH = '/graph/lifecycle';

/** What the routes need: verify-and-enqueue (the app's receiver) and a clock. */
export interface GraphNotificationRouteOptions {
  /** Verifies each item and enqueues its work; resolves with how many were accepted and refused. */
  readonly receive: (
    items: readonly unknown[],
    receivedAt: Instant,
  ) => Promise<{ readonly accepted: number; readonly refused: number }>;
  /** Counts a POST whose body is not a notification collection. */
  readonly malformed?: () => void;
  readonly clock: () => Instant;
  /** Largest notification body accepted (413 beyond). Graph sends at most a few hundred KB. */
  readonly bodyLimit: number;
}

/** Graph's validation tokens are opaque text; anything longer than this is not one. */
const MAX_TOKEN = 1024;

/**
 * The Graph change-notification receiver: `POST /graph/notifications` and `POST
 * /graph/lifecycle`. A POST with `?validationToken=` is Graph's validation handshake and gets
 * the token back as `text/plain` with 200 (Graph waits at most 10 s). Any other POST must be a
 * notification collection: each item is verified and its work enqueued, then the answer is 202
 * (Graph waits at most 3 s, so nothing is synced here). A body where every item was refused
 * (unknown subscription, wrong clientState) gets 403. The routes keep no state of their own:
 * any host behind `push.publicUrl` can answer.
 */
export function graphNotificationRoutes(options: GraphNotificationRouteOptions): HttpRoutes {
  return (server) => {
    // Graph's handshake comes as text/plain (often empty); notifications as application/json.
    server.addContentTypeParser(
      'text/plain',
      { parseAs: 'string', bodyLimit: options.bodyLimit },
      (_r, body, done) => done(null, body),
    );
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const receivedAt = options.clock();
      const token = (request.query as Record<string, unknown>).validationToken;
      if (typeof token === 'string') {
        if (token.length === 0 || token.length > MAX_TOKEN) {
          return reply.code(400).send({ error: 'validationToken: empty or too long' });
        }
        return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(token);
      }
      const body = request.body as { value?: unknown } | null | undefined;
      if (
        typeof body !== 'object' ||
        body === null ||
        !Array.isArray(body.value) ||
        body.value.length > 1000
      ) {
        options.malformed?.();
        return reply.code(400).send({ error: 'send a Graph notification collection: {"value": [...]}' });
      }
      const counts = await options.receive(body.value, receivedAt);
      if (counts.accepted === 0 && counts.refused > 0) {
        return reply
          .code(403)
          .send({ error: 'no notification in this body belongs to a subscription of hanvisa' });
      }
      return reply.code(202).send();
    };
    const route = { bodyLimit: options.bodyLimit };
    server.post(NOTIFICATION_PATH, route, handler);
    server.post(LIFECYCLE_PATH, route, handler);
  };
}
