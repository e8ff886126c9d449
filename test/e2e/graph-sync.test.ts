import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockGraph, mockTlsDir, startMockGraph } from '../../bench/graph/mock-graph-server.js';
import { ROOT } from '../helpers/sample-config.js';

const fixture = (name: string) => JSON.parse(readFileSync(path.join(ROOT, 'fixtures/graph', name), 'utf8'));

/** The CLI as a child process, asynchronously: the mock Graph answers from this process meanwhile. */
function hanvisa(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/hanvisa.js'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_URL: '',
        HANVISA_GRAPH_CLIENT_SECRET: 'e2e-secret',
        NODE_EXTRA_CA_CERTS: path.join(mockTlsDir(), 'cert.pem'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('hanvisa sync --once with graph: calendars (end to end, mock Graph)', () => {
  let mock: MockGraph;
  let dir: string;
  let config: string;

  beforeAll(async () => {
    mock = await startMockGraph({
      latencyMs: 2,
      fixed: {
        'anna.andersson@vara.se': {
          events: fixture('resync-round.json').value,
          masters: [fixture('series-master.json')],
        },
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-e2e-graph-'));
    config = path.join(dir, 'hanvisa.yaml');
    writeFileSync(
      config,
      `timeZone: Europe/Stockholm
codes:
  entries:
    - { code: MÖT, reason: meeting, label: Möte, planned: true }
    - { code: LUN, reason: lunch, label: Lunch }
    - { code: SEM, reason: vacation, label: Semester }
directory:
  employees:
    - { id: anna, name: Anna Andersson, extension: "0512-31001", calendars: [ { graph: anna.andersson@vara.se } ] }
    - { id: bo, name: Bo Berg, extension: "0512-31000", calendars: [ { graph: bo.berg@vara.se } ] }
sink: { kind: embedded, path: data/hanvisa.db }
graph:
  tenantId: 5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77
  clientId: 3f0e5a61-7c2d-4b8e-9a1f-0d6c4e2b7a90
  authorityHost: ${mock.authorityHost}
  baseUrl: ${mock.baseUrl}
`,
    );
  });

  afterAll(async () => {
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the healthy mailbox, names the missing one by calendar id, and a second cycle costs one request', async () => {
    const first = await hanvisa([
      'sync',
      '--config',
      config,
      '--once',
      '--now',
      '2025-03-19T08:00',
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(1);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ calendars: 2, created: 8, updated: 0, deleted: 0, failed: 1 });
    expect(summary.errors).toEqual([
      {
        calendar: 'bo/graph-1',
        message: expect.stringMatching(/^calendar bo\/graph-1: mailbox not found \(404 ErrorInvalidUser\)/),
      },
    ]);
    expect(first.stdout + first.stderr).not.toMatch(/vara\.se/);
    expect(mock.stats.tokenRequests).toBe(1);

    const referrals = await hanvisa(['referrals', '--config', config, '--employee', 'anna', '--json']);
    expect(referrals.code, referrals.stderr).toBe(0);
    const entries = JSON.parse(referrals.stdout) as { reason: string; start: string; end: string }[];
    expect(entries.map((entry) => [entry.reason, entry.start, entry.end])).toEqual([
      ['meeting', '2025-03-20T08:00:00.000Z', '2025-03-20T09:00:00.000Z'],
      ['meeting', '2025-03-20T12:00:00.000Z', '2025-03-20T13:00:00.000Z'],
      ['lunch', '2025-03-21T11:00:00.000Z', '2025-03-21T12:00:00.000Z'],
      ['meeting', '2025-03-24T12:00:00.000Z', '2025-03-24T13:00:00.000Z'],
      ['meeting', '2025-03-25T12:00:00.000Z', '2025-03-25T13:00:00.000Z'],
      // Friday all day: back ("åter") on the next working day, Monday 31 March.
      ['vacation', '2025-03-27T23:00:00.000Z', '2025-03-30T22:00:00.000Z'],
      ['vacation', '2025-03-29T23:00:00.000Z', '2025-03-30T22:00:00.000Z'],
      ['meeting', '2025-04-01T11:00:00.000Z', '2025-04-01T12:00:00.000Z'],
    ]);

    mock.resetStats();
    const second = await hanvisa([
      'sync',
      '--config',
      config,
      '--once',
      '--now',
      '2025-03-19T08:05',
      '--json',
    ]);
    expect(JSON.parse(second.stdout)).toMatchObject({
      calendars: 2,
      created: 0,
      updated: 0,
      deleted: 0,
      failed: 1,
    });
    // anna: one delta request (nothing changed); bo: one request that is 404 again; both in one JSON $batch
    expect(mock.stats.innerRequests).toBe(2);
    expect(mock.stats.graphRequests).toBeLessThanOrEqual(2);
    // no mailbox address in the register or the state (the cursor keeps only the delta token)
    for (const file of ['hanvisa.db', 'hanvisa.db-wal'].filter((name) =>
      existsSync(path.join(dir, 'data', name)),
    )) {
      const bytes = readFileSync(path.join(dir, 'data', file), { flag: 'r' }).toString('latin1');
      expect(bytes).not.toContain('vara.se');
      expect(bytes).not.toContain('vara%2Ese');
    }
  });
});
