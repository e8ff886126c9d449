import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { describeError } from '../../app/privacy.js';

/** A set of routes added to the one HTTP service (health, metrics, the register, pages, receivers). */
export type HttpRoutes = (server: FastifyInstance) => Promise<void> | void;

export interface HttpServiceOptions {
  readonly host: string;
  readonly port: number;
  readonly routes: readonly HttpRoutes[];
  /** Largest request body accepted (413 beyond). */
  readonly bodyLimit?: number;
}

/** A running HTTP service. `close` ends keep-alive connections too: no handle outlives it. */
export interface HttpService {
  readonly url: string;
  readonly port: number;
  readonly server: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the fastify instance with hanvisa's error shape (`{error}` in one redacted line). */
export async function buildHttpService(
  options: Omit<HttpServiceOptions, 'host' | 'port'>,
): Promise<FastifyInstance> {
  const server = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    forceCloseConnections: true,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
  });
  server.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? `the body is larger than ${options.bodyLimit ?? 64 * 1024} bytes`
        : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'send the body as application/json'
          : status === 500
            ? `internal error: ${describeError(error)}`
            : describeError(error);
    void reply.code(status).send({ error: message });
  });
  server.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
  for (const routes of options.routes) await server.register(async (scope) => routes(scope));
  return server;
}

/** Starts the one HTTP listener of `hanvisa start`, the same in both runtimes. */
export async function startHttpService(options: HttpServiceOptions): Promise<HttpService> {
  const server = await buildHttpService(options);
  await server.listen({ host: options.host, port: options.port });
  const { port } = server.server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: async () => {
      await server.close();
    },
  };
}
