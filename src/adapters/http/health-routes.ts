import type { HealthStatus } from '../../app/ports/http-service.js';
import type { HttpRoutes } from './http-service.js';

/** `/healthz` (liveness) and `/readyz` (readiness): open, like every orchestrator expects. */
export function healthRoutes(probes: {
  readonly liveness: () => Promise<HealthStatus>;
  readonly readiness: () => Promise<HealthStatus>;
}): HttpRoutes {
  return (server) => {
    server.get('/healthz', async (_request, reply) => {
      const status = await probes.liveness();
      return reply.code(status.ok ? 200 : 503).send(status);
    });
    server.get('/readyz', async (_request, reply) => {
      const status = await probes.readiness();
      return reply.code(status.ok ? 200 : 503).send(status);
    });
  };
}
