import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockGraph, mockTlsDir, startMockGraph } from '../../../bench/graph/mock-graph-server.js';
import { referralText } from '../../../src/domain/referral-text.js';
import { editFile, sampleWorkspace } from '../../helpers/cli.js';
import { ROOT } from '../../helpers/sample-config.js';

const SECRET = 'e2e-webhook-secret';

/** Graph's presence endpoints on a real loopback server (the child process cannot see nock). */
async function presenceServer() {
  const users = new Map<string, { preferred: unknown; message: string | null; expiry: unknown }>();
  const calls: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const match = /^\/v1\.0\/users\/([^/]+)\/presence(?:\/(\w+))?$/.exec(request.url ?? '');
      if (match === null || request.headers.authorization !== 'Bearer mock-access-token') {
        response.writeHead(404).end();
        return;
      }
      const user = decodeURIComponent(match[1] ?? '');
      const state = users.get(user) ?? { preferred: null, message: null, expiry: null };
      users.set(user, state);
      calls.push(`${request.method} ${match[2] ?? 'presence'}`);
      if (request.method === 'GET') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: 'x',
            availability: 'Available',
            activity: 'Available',
            statusMessage:
              state.message === null ? null : { message: { content: state.message, contentType: 'text' } },
          }),
        );
        return;
      }
      const parsed = JSON.parse(body || '{}');
      if (match[2] === 'setUserPreferredPresence') state.preferred = parsed;
      if (match[2] === 'clearUserPreferredPresence') state.preferred = null;
      if (match[2] === 'setStatusMessage') {
        state.message = parsed.statusMessage.message.content || null;
        state.expiry = parsed.statusMessage.expiryDateTime ?? null;
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, users, calls, port: (server.address() as AddressInfo).port };
}

async function webhookReceiver() {
  const verified: { change: string; entry: { employee: string } }[] = [];
  let rejected = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const timestamp = String(request.headers['hanvisa-timestamp']);
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
      if (request.headers['hanvisa-signature'] !== expected) {
        rejected++;
        response.writeHead(401).end();
        return;
      }
      verified.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    verified,
    rejected: () => rejected,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
  };
}

async function until(condition: () => boolean, what: string, logs: string[]): Promise<void> {
  for (let round = 0; round < 600; round++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}:\n${logs.join('').slice(-2000)}`);
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('hanvisa start with mirrors (the sample, a mock Graph, a webhook receiver)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('sets and clears Teams presence through Graph and posts signed webhooks', async () => {
    const graph: MockGraph = await startMockGraph({ latencyMs: 1, fixed: {} });
    cleanup.push(() => graph.close());
    const presence = await presenceServer();
    cleanup.push(() => close(presence.server));
    const hook = await webhookReceiver();
    cleanup.push(() => close(hook.server));
    const workspace = sampleWorkspace();
    // A meeting of Bo's that is going on right now (local times in Stockholm).
    const start = DateTime.now().setZone('Europe/Stockholm').minus({ minutes: 10 }).startOf('minute');
    const end = start.plus({ hours: 1 });
    const meeting = [
      'BEGIN:VEVENT',
      'UID:e2e-now-meeting',
      'SUMMARY:MÖT: Hemlig personalfråga',
      'DTSTAMP:20261101T000000Z',
      `DTSTART;TZID=Europe/Stockholm:${start.toFormat("yyyyMMdd'T'HHmmss")}`,
      `DTEND;TZID=Europe/Stockholm:${end.toFormat("yyyyMMdd'T'HHmmss")}`,
      'END:VEVENT',
      '',
    ].join('\r\n');
    // Bo's calendar holds only this meeting, so nothing else of the sample is current meanwhile.
    editFile(
      workspace.ics('bo'),
      (text) => `${text.slice(0, text.indexOf('BEGIN:VEVENT'))}${meeting}END:VCALENDAR\r\n`,
    );
    editFile(
      workspace.config,
      (text) =>
        `${text.replace('schedule: { every: 5m }', 'schedule: { every: 2s }')}
server: { host: 127.0.0.1, port: 0 }
graph:
  tenantId: 5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77
  clientId: 3f0e5a61-7c2d-4b8e-9a1f-0d6c4e2b7a90
  authorityHost: ${graph.authorityHost}
  baseUrl: http://127.0.0.1:${presence.port}/v1.0
mirrors:
  - { kind: teamsPresence }
  - { kind: webhook, name: hook, url: "${hook.url}" }
`,
    );
    const logs: string[] = [];
    const child: ChildProcess = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/hanvisa.js'), 'start', '--config', workspace.config],
      {
        env: {
          ...process.env,
          REDIS_URL: '',
          HANVISA_GRAPH_CLIENT_SECRET: 'e2e-secret',
          HANVISA_WEBHOOK_SECRET: SECRET,
          NODE_EXTRA_CA_CERTS: path.join(mockTlsDir(), 'cert.pem'),
        },
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });

    await until(() => presence.users.get('bo.berg@vara.se')?.message != null, 'presence set', logs);
    const bo = presence.users.get('bo.berg@vara.se');
    expect(bo?.preferred).toMatchObject({ availability: 'Busy', activity: 'Busy' });
    expect(bo?.message).toBe(referralText('Möte', start.toMillis(), end.toMillis(), 'Europe/Stockholm'));
    expect(bo?.expiry).toEqual({
      dateTime: end.toFormat("yyyy-MM-dd'T'HH:mm:ss"),
      timeZone: 'W. Europe Standard Time',
    });
    await until(() => hook.verified.some((item) => item.entry.employee === 'bo'), 'webhooks', logs);

    // The meeting is cancelled: removed from the feed; the next cycle deletes and clears.
    editFile(workspace.ics('bo'), (text) => text.replace(meeting, ''));
    await until(
      () => {
        const state = presence.users.get('bo.berg@vara.se');
        return state?.preferred === null && state.message === null;
      },
      'presence and message cleared',
      logs,
    );
    await until(() => hook.verified.some((item) => item.change === 'deleted'), 'the delete posted', logs);
    expect(hook.rejected()).toBe(0);
    expect(JSON.stringify(hook.verified)).not.toContain('Hemlig');
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  }, 120_000);
});
