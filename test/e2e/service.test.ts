import { afterEach, describe, expect, it } from 'vitest';
import { editFile, sampleWorkspace } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';
import { type ServiceProcess, servedAt, servedUrl, startService } from '../helpers/service-process.js';

/**
 * The embedded service as `npm start` runs it: the real `hanvisa start` process, its HTTP service,
 * its credentials and its exits. (Before #7 the embedded runtime served no HTTP at all.)
 */
const running: ServiceProcess[] = [];
afterEach(async () => {
  for (const service of running.splice(0)) await service.stop('SIGKILL');
});

function start(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const service = startService(args, env);
  running.push(service);
  return service;
}

/** A sample workspace whose cycles come every second and whose shutdown deadline is long. */
function fastWorkspace(extra = '') {
  const workspace = sampleWorkspace();
  editFile(
    workspace.config,
    (text) =>
      `${text.replace('schedule: { every: 5m }', 'schedule: { every: 1s }')}\nworkers: { shutdownDeadline: 10m }\n${extra}`,
  );
  return workspace;
}

interface Entry {
  id: string;
  source: string;
  employee: string;
  sourceRef: { calendar: string };
}

async function entries(url: string, token: string): Promise<Entry[]> {
  const response = await fetch(`${url}/referrals`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: Entry[] }).entries;
}

describe('hanvisa start serves HTTP (embedded runtime)', () => {
  it('serves /healthz, /readyz and /metrics, and the register only with a token', async () => {
    const workspace = fastWorkspace();
    const service = start(['--config', workspace.config, '--port', '0']);
    const { url, token } = await servedAt(service);
    await service.waitFor(/cycle: 5 calendars/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, checks: { sink: 'ok' } });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('hanvisa_calendars_synced_total');
    const open = await fetch(`${url}/referrals`);
    expect(open.status).toBe(401);
    expect(open.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${url}/referrals`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
      401,
    );
    expect((await entries(url, token)).length).toBeGreaterThan(0);
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('honours --port', async () => {
    const port = await freePort();
    const service = start(['--config', fastWorkspace().config, '--port', String(port)]);
    expect(await servedUrl(service)).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('accepts configured tokens only, and prints no token of its own then', async () => {
    const service = start(['--config', fastWorkspace().config, '--port', '0'], {
      HANVISA_API_TOKENS: 'one, two',
    });
    const url = await servedUrl(service);
    await service.waitFor(/cycle: 5 calendars/);
    expect(service.stdout()).not.toMatch(/API token for this run/);
    expect((await entries(url, 'two')).length).toBeGreaterThan(0);
    expect((await fetch(`${url}/referrals`, { headers: { authorization: 'Bearer three' } })).status).toBe(
      401,
    );
  });

  it('refuses to start on a non-loopback address without a credential, saying what to set', async () => {
    const workspace = fastWorkspace('server: { host: 0.0.0.0, port: 0 }');
    const service = start(['--config', workspace.config]);
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/server\.host 0\.0\.0\.0 .*set HANVISA_API_TOKENS/);
  });

  it('refuses server.auth: none on a non-loopback address', async () => {
    const workspace = fastWorkspace('server: { host: 0.0.0.0, port: 0, auth: none }');
    const service = start(['--config', workspace.config], { HANVISA_API_TOKENS: 'x' });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/server\.auth: none is allowed only when server\.host is loopback/);
  });

  it('a start that cannot listen exits 1 at once with the reason', async () => {
    const first = start(['--config', fastWorkspace().config, '--port', '0']);
    const port = new URL(await servedUrl(first)).port;
    const second = start(['--config', fastWorkspace().config, '--port', port]);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/EADDRINUSE|in use/);
  });
});

describe('ownership: a client cannot claim what the calendar connection owns', () => {
  it('a forged source: calendar PUT is stored as manual; calendar entries cannot be changed or deleted; sync keeps manual entries', async () => {
    const workspace = fastWorkspace();
    const service = start(['--config', workspace.config, '--port', '0']);
    const { url, token } = await servedAt(service);
    await service.waitFor(/cycle: 5 calendars/);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const owned = (await entries(url, token)).find((entry) => entry.source === 'calendar') as Entry;
    const forged = {
      id: 'forged-1',
      employee: 'anna',
      extension: '0512-31001',
      reason: 'meeting',
      label: 'Möte',
      mode: 'referred',
      start: Date.now() + 3_600_000,
      end: Date.now() + 7_200_000,
      source: 'calendar',
      sourceRef: { calendar: owned.sourceRef.calendar, uid: 'x', recurrenceId: null },
    };
    const put = await fetch(`${url}/referrals/forged-1`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(forged),
    });
    expect(put.status).toBe(201);
    expect(await put.json()).toMatchObject({ source: 'manual', sourceRef: { calendar: '' } });
    const overwrite = await fetch(`${url}/referrals/${owned.id}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ ...forged, id: owned.id }),
    });
    expect(overwrite.status).toBe(409);
    const remove = await fetch(`${url}/referrals/${owned.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(remove.status).toBe(409);
    // Two more cycles: the manual entry stays, the calendar entry stays hanvisa's.
    const cycles = (service.stdout().match(/cycle: 5 calendars/g) ?? []).length;
    await service.waitFor(new RegExp(`(?:[\\s\\S]*cycle: 5 calendars){${cycles + 2}}`));
    const after = await entries(url, token);
    expect(after.find((entry) => entry.id === 'forged-1')).toMatchObject({ source: 'manual' });
    expect(after.find((entry) => entry.id === owned.id)).toMatchObject({ source: 'calendar' });
  });
});

describe('prompt, honest exits (embedded)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 on %s as soon as the running cycle is done, with a shutdown deadline of 10 minutes',
    async (signal) => {
      const service = start(['--config', fastWorkspace().config, '--port', '0']);
      await service.waitFor(/cycle: 5 calendars/);
      // Only a leaked timer, socket or handle can make this outlast the test's timeout.
      expect(await service.stop(signal)).toBe(0);
      expect(service.stdout()).toMatch(/hanvisa: stopped/);
    },
  );
});
