import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { describeError } from '../../app/privacy.js';
import { handleRegisterRequest, type RegisterAuth, type VersionedRegister } from './register-routes.js';

/** A health answer: `ok` false names what is wrong (no addresses, no secrets). */
export interface HealthStatus {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

export interface ServiceServerOptions {
  readonly host: string;
  readonly port: number;
  /** Liveness: the process makes progress (GET /healthz). */
  readonly liveness: () => Promise<HealthStatus>;
  /** Readiness: Redis and the sink are reachable (GET /readyz). */
  readonly readiness: () => Promise<HealthStatus>;
  readonly metrics: Registry;
  /** Serve the register's REST contract under /referrals (embedded register only). */
  readonly register?: { readonly store: VersionedRegister; readonly auth: RegisterAuth };
}

export interface ServiceServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The one HTTP listener of `hanvisa start`: /healthz, /readyz, /metrics, and the register's
 * REST service when this process holds the embedded register. Errors answer 500 with a redacted
 * one-line message.
 */
export async function startServiceServer(options: ServiceServerOptions): Promise<ServiceServer> {
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://service.invalid');
    const handle = async () => {
      if (url.pathname === '/healthz' || url.pathname === '/readyz') {
        const status = await (url.pathname === '/healthz' ? options.liveness() : options.readiness());
        const text = JSON.stringify(status);
        response.writeHead(status.ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' });
        response.end(text);
        return;
      }
      if (url.pathname === '/metrics') {
        const text = await options.metrics.metrics();
        response.writeHead(200, { 'content-type': options.metrics.contentType });
        response.end(text);
        return;
      }
      if (
        options.register !== undefined &&
        (await handleRegisterRequest(request, response, url, options.register.store, options.register.auth))
      ) {
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ error: `no route ${url.pathname}` }));
    };
    handle().catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ error: describeError(error) }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
