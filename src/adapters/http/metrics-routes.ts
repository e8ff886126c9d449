import type { Registry } from 'prom-client';
import { type ApiCredentials, authenticate, isLoopbackAddress } from './api-auth.js';
import type { HttpRoutes } from './http-service.js';

/**
 * `/metrics` in Prometheus' text format: for a scraper with an API token, or a peer on this
 * machine (a sidecar or node exporter). Counts and durations only, no calendar ids.
 */
export function metricsRoutes(registry: Registry, credentials: ApiCredentials): HttpRoutes {
  return (server) => {
    server.get('/metrics', async (request, reply) => {
      const principal = authenticate(request.headers.authorization, { ...credentials, open: false });
      if (principal === null && !isLoopbackAddress(request.socket.remoteAddress)) {
        reply.header('www-authenticate', 'Bearer realm="hanvisa"');
        return reply
          .code(401)
          .send({ error: 'metrics: send Authorization: Bearer <token>, or scrape from this host' });
      }
      return reply.header('content-type', registry.contentType).send(await registry.metrics());
    });
  };
}
