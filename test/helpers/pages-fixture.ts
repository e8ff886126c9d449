import { DateTime } from 'luxon';
import type { PagesDeps } from '../../src/adapters/http/pages/page-deps.js';
import type { PagesOptions } from '../../src/adapters/http/pages/pages-routes.js';
import { LoopbackLink, type PageAuth } from '../../src/adapters/http/pages/sign-in-routes.js';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { pagesDepsFrom } from '../../src/app/composition-root.js';
import type { HanvisaConfig } from '../../src/app/config/load-config.js';
import {
  CALENDAR_SOURCE,
  type ReferralEntry,
  referralContentHash,
  referralEntryId,
} from '../../src/domain/referral-entry.js';
import { findingKey } from '../../src/domain/rules/rule.js';
import { sampleConfig } from './sample-config.js';

const ZONE = 'Europe/Stockholm';
/** Tuesday 3 March 2026, 10.00 local. */
export const FIXTURE_NOW = DateTime.fromISO('2026-03-03T10:00', { zone: ZONE }).toMillis();

export function at(local: string): number {
  return DateTime.fromISO(local, { zone: ZONE }).toMillis();
}

/** A register entry as sync would write it (no subject: label and times). */
export function entry(
  employee: string,
  label: string,
  start: number,
  end: number,
  mode: 'referred' | 'infoOnly' = 'referred',
  reason = 'meeting',
): ReferralEntry {
  const fields = { employee, extension: '0512-0', reason, label, mode, start, end };
  return {
    ...fields,
    id: referralEntryId(employee, `${employee}/ics-1`, label, start),
    source: CALENDAR_SOURCE,
    sourceRef: { calendar: `${employee}/ics-1`, uid: 'hashed-uid', recurrenceId: null },
    contentHash: referralContentHash(fields),
  };
}

export interface PagesFixture {
  readonly config: HanvisaConfig;
  readonly deps: PagesDeps;
  readonly sink: MemoryReferralSink;
  readonly state: MemoryStateStore;
  readonly clock: { now: number };
  readonly enqueued: unknown[];
  options(auth?: Partial<PageAuth>): PagesOptions;
  put(...entries: ReferralEntry[]): Promise<void>;
}

/** The sample's directory with a register and state in memory: Anna in a meeting, Cecilia at lunch (info only), findings. */
export async function pagesFixture(): Promise<PagesFixture> {
  const config = sampleConfig();
  const sink = new MemoryReferralSink();
  const state = new MemoryStateStore();
  const clock = { now: FIXTURE_NOW };
  const enqueued: unknown[] = [];
  const deps: PagesDeps = {
    ...pagesDepsFrom(config, { sink, state, clock: () => clock.now }),
    queue: {
      async enqueue(request) {
        enqueued.push(request);
      },
    },
    syncRequest: (calendar) => ({ kind: 'syncCalendar', data: { calendar } }),
    boardRefreshMs: 50,
  };
  const put = async (...entries: ReferralEntry[]) => {
    for (const calendar of new Set(entries.map((item) => item.sourceRef.calendar))) {
      const creates = entries.filter((item) => item.sourceRef.calendar === calendar);
      await sink.apply({ calendar, creates, updates: [], deletes: [], unchanged: 0, refused: null });
    }
  };
  await put(
    entry('anna', 'Möte', at('2026-03-03T09:00'), at('2026-03-03T14:30')),
    entry('anna', 'Utbildning', at('2026-03-04T08:00'), at('2026-03-04T12:00'), 'referred', 'training'),
    entry('cecilia', 'Lunch', at('2026-03-03T09:30'), at('2026-03-03T10:30'), 'infoOnly', 'lunch'),
    entry('david', 'Ute på besök', at('2026-03-03T13:00'), at('2026-03-03T15:00'), 'referred', 'visit'),
  );
  await state.putSyncState({
    calendar: 'anna/ics-1',
    cursor: null,
    registerDigest: null,
    lastSyncAt: at('2026-03-03T09:55'),
    lastSuccessAt: at('2026-03-03T09:55'),
    lastError: null,
  });
  await state.putSyncState({
    calendar: 'erik/ics-1',
    cursor: null,
    registerDigest: null,
    lastSyncAt: at('2026-03-03T09:55'),
    lastSuccessAt: at('2026-03-02T16:00'),
    lastError: 'calendar erik/ics-1: the feed answered 404',
  });
  const start = at('2026-03-05T10:00');
  await state.addFindings([
    {
      key: findingKey('unknownCode', 'anna/ics-1', 'u1', start),
      rule: 'unknownCode',
      kind: 'unknown',
      employee: 'anna',
      calendar: 'anna/ics-1',
      eventUid: 'u1',
      occurrenceStart: start,
      foundAt: FIXTURE_NOW,
      details: { suggestion: 'MÖT' },
    },
    {
      key: findingKey('lateEntry', 'anna/ics-1', 'u2', at('2026-02-24T10:00')),
      rule: 'lateEntry',
      kind: 'late',
      employee: 'anna',
      calendar: 'anna/ics-1',
      eventUid: 'u2',
      occurrenceStart: at('2026-02-24T10:00'),
      foundAt: at('2026-02-24T09:10'),
      details: {
        code: 'MÖT',
        occurrenceEnd: at('2026-02-24T11:00'),
        enteredAt: at('2026-02-24T09:10'),
        deadline: at('2026-02-24T08:00'),
        approximate: false,
        invited: false,
        retroactive: false,
      },
    },
  ]);
  return {
    config,
    deps,
    sink,
    state,
    clock,
    enqueued,
    put,
    options: (auth = {}) => ({
      auth: {
        sessionSecret: 'test-secret-test-secret-test-secret',
        sessionHours: 10,
        secureCookies: false,
        oidc: null,
        loopbackLink: new LoopbackLink('one-time-token'),
        ...auth,
      },
      redirectUri: null,
    }),
  };
}
