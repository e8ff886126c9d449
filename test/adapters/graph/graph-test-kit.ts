import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import {
  createGraphSource,
  type GraphSource,
  type GraphSourceOptions,
} from '../../../src/adapters/graph/graph-source.js';
import { MemoryReferralSink } from '../../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryStateStore } from '../../../src/adapters/stores/memory-state-store.js';
import { graphSourceOptions } from '../../../src/app/composition-root.js';
import { readEnvironment } from '../../../src/app/config/environment.js';
import { type HanvisaConfig, loadConfig } from '../../../src/app/config/load-config.js';
import type { CalendarRef } from '../../../src/app/ports/calendar-source.js';
import { type SyncDependencies, UID_KEY_NAME } from '../../../src/app/sync-calendar.js';
import { sourceRefUid } from '../../../src/domain/referral-entry.js';

export const GRAPH = 'https://graph.microsoft.com';
export const LOGIN = 'https://login.microsoftonline.com';
export const TENANT = '5a1c7b2e-9d40-4e8f-b3a6-2c0d1e9f8a77';
export const APP = '3f0e5a61-7c2d-4b8e-9a1f-0d6c4e2b7a90';
export const ANNA_ID = '8b2c5f4e-3d1a-4c6b-9f0e-5a7d2c1b0a01';
/** Wednesday 19 March 2025, 08:00 in Stockholm. Window: 18 March 00:00 to 3 April 00:00 local. */
export const NOW = Date.parse('2025-03-19T07:00:00Z');
export const WINDOW_FROM = '2025-03-17T23:00:00.000Z';
export const WINDOW_TO = '2025-04-02T22:00:00.000Z';

export const MAILBOXES = {
  anna: 'anna.andersson@vara.se',
  bo: 'bo.berg@vara.se',
  cecilia: 'cecilia.carlsson@vara.se',
  david: 'david.dahl@vara.se',
} as const;

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/graph');

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
}

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

export function testConfig(
  env: Record<string, string> = { HANVISA_GRAPH_CLIENT_SECRET: 'test-secret' },
): HanvisaConfig {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-graph-'));
  const file = path.join(dir, 'hanvisa.yaml');
  const employees = Object.entries(MAILBOXES)
    .map(
      ([id, mailbox], index) =>
        `    - { id: ${id}, name: ${id}, extension: "0512-3100${index}", calendars: [ { graph: ${mailbox} } ] }`,
    )
    .join('\n');
  writeFileSync(
    file,
    `timeZone: Europe/Stockholm
window: { pastDays: 1, futureDays: 14 }
codes:
  entries:
    - { code: MÖT, reason: meeting, label: Möte, planned: true }
    - { code: LUN, reason: lunch, label: Lunch }
    - { code: SEM, reason: vacation, label: Semester }
directory:
  employees:
${employees}
sink: { kind: embedded, path: data/test.db }
graph: { tenantId: ${TENANT}, clientId: ${APP}, maxConcurrency: 16, maxPageSize: 50 }
`,
  );
  return loadConfig(file, readEnvironment(env));
}

export function calendarOf(config: HanvisaConfig, employee: string): CalendarRef {
  const calendar = config.calendars.find((item) => item.employee === employee);
  if (calendar === undefined) throw new Error(`no calendar for ${employee}`);
  return calendar;
}

export interface Harness {
  readonly config: HanvisaConfig;
  readonly source: GraphSource;
  readonly sink: MemoryReferralSink;
  readonly state: MemoryStateStore;
  readonly deps: SyncDependencies;
  /** Every wait the retry logic asked for, in ms (tests never really sleep). */
  readonly sleeps: number[];
}

export function harness(overrides: Partial<GraphSourceOptions> = {}, env?: Record<string, string>): Harness {
  const config = testConfig(env);
  const sleeps: number[] = [];
  const source = createGraphSource({
    ...graphSourceOptions(config),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
    // one request per exchange, so nock scenarios read like Graph's documentation; $batch has its own tests
    batchSize: 1,
    ...overrides,
  });
  const sink = new MemoryReferralSink();
  const state = new MemoryStateStore({ secrets: { [UID_KEY_NAME]: TEST_UID_KEY } });
  return { config, source, sink, state, sleeps, deps: { config, sourceFor: () => source, sink, state } };
}

/** The token endpoint (client credentials); `times` is how often it may be called. */
export function nockToken(times = 1, check?: (body: string) => void): nock.Scope {
  return nock(LOGIN)
    .post(`/${TENANT}/oauth2/v2.0/token`)
    .query(true)
    .times(times)
    .reply(200, (_uri, body) => {
      check?.(String(body));
      return fixture('token-response.json') as nock.Body;
    });
}

export const deltaPath = (user: string) => `/v1.0/users/${user}/calendarView/delta`;
export const firstRoundQuery = { startDateTime: WINDOW_FROM, endDateTime: WINDOW_TO };

/** The three pages of Anna's first round and her series master. */
export function nockFirstRound(scope = nock(GRAPH)): nock.Scope {
  return scope
    .get(deltaPath('anna.andersson%40vara.se'))
    .query(firstRoundQuery)
    .reply(200, fixture('first-round-page-1.json') as nock.Body)
    .get(deltaPath(ANNA_ID))
    .query({ $skiptoken: 'R0usmcCM996atia_s-page2' })
    .reply(200, fixture('first-round-page-2.json') as nock.Body)
    .get(deltaPath(ANNA_ID))
    .query({ $skiptoken: 'R0usmcCM996atia_s-page3' })
    .reply(200, fixture('first-round-page-3.json') as nock.Body)
    .get('/v1.0/users/anna.andersson%40vara.se/events/AAMkAGI2TGuLAAA-series-ledning%3D')
    .query(true)
    .reply(200, fixture('series-master.json') as nock.Body);
}

/** The uid key of the harness's state store, so tests can tell which event an entry came from. */
export const TEST_UID_KEY = 'graph-test-uid-key';

/** What `sourceRef.uid` holds for an event uid in the harness. */
export function keyed(uid: string): string {
  return sourceRefUid(TEST_UID_KEY, uid);
}

const knownUids = new Map<string, string>();

/** Registers event uids so that `view` shows them instead of their keyed hashes. */
export function rememberUids(...uids: string[]): void {
  for (const uid of uids) knownUids.set(keyed(uid), uid);
}

/** A register entry as the tests compare it: what the switchboard sees, times as ISO, the event uid (see `rememberUids`). */
export function view(
  entries: readonly {
    reason: string;
    label: string;
    mode: string;
    start: number;
    end: number;
    sourceRef: { uid: string };
  }[],
) {
  return entries.map((entry) => ({
    reason: entry.reason,
    label: entry.label,
    mode: entry.mode,
    start: new Date(entry.start).toISOString(),
    end: new Date(entry.end).toISOString(),
    uid: knownUids.get(entry.sourceRef.uid) ?? entry.sourceRef.uid,
  }));
}
