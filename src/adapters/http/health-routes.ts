import type { HttpRoutes } from './http-service.js';

/** A health answer: `ok` false names what is wrong (no addresses, no secrets, nothing personal). */
export interface HealthStatus {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

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
