import { type ApiCredentials, requireApiCredential } from './api-auth.js';
import type { HttpRoutes } from './http-service.js';

/** One mirror's backlog and its parked changes, as IT sees them (ids only, nothing personal). */
export interface MirrorReport {
  readonly name: string;
  readonly kind: string;
  readonly pending: number;
  readonly oldestPendingSeconds: number;
  readonly dead: number;
  readonly parked: readonly {
    readonly employee: string;
    readonly ref: string;
    readonly change: string;
    readonly version: number;
    readonly occurredAt: string;
    readonly attempts: number;
  }[];
}

/**
 * `GET /mirrors`: each mirror's pending changes, the age of the oldest, and the changes parked
 * as dead (newest first), for IT. Needs an API credential like the register.
 */
export function mirrorRoutes(
  report: () => Promise<readonly MirrorReport[]>,
  credentials: ApiCredentials,
): HttpRoutes {
  return (server) => {
    server.addHook('preHandler', requireApiCredential(credentials));
    server.get('/mirrors', async () => ({ mirrors: await report() }));
  };
}
