import type { MirrorReport } from '../../app/ports/mirror.js';
import { type ApiCredentials, requireApiCredential } from './api-auth.js';
import type { HttpRoutes } from './http-service.js';

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
