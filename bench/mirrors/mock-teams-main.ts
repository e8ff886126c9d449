import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A mock of Graph's presence endpoints for bench/mirrors, in its own process: every request is
 * answered after `LATENCY_MS`; with `LIMIT` set, more than LIMIT requests in any 30 s window get
 * 429 with Retry-After (Graph: 1,500 per 30 s per app and tenant). Prints its port, then counts.
 */
const latency = Number(process.env.LATENCY_MS ?? 20);
const limit = Number(process.env.LIMIT ?? 0);
const window: number[] = [];
let served = 0;
let throttled = 0;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const now = Date.now();
    while (window.length > 0 && (window[0] as number) <= now - 30_000) window.shift();
    if (limit > 0 && window.length >= limit) {
      throttled++;
      const wait = Math.max(1, Math.ceil(((window[0] as number) + 30_000 - now) / 1000));
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) });
      response.end('{"error":{"code":"TooManyRequests","message":"Please retry again later."}}');
      return;
    }
    window.push(now);
    setTimeout(() => {
      served++;
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id":"x","availability":"Available","activity":"Available","statusMessage":null}');
      } else {
        response.writeHead(200);
        response.end();
      }
    }, latency);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'stats') process.send?.({ served, throttled });
  if (message === 'stop') server.close(() => process.exit(0));
});
