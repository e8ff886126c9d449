import { afterEach, describe, expect, it } from 'vitest';
import { startHttpService } from '../../src/adapters/http/http-service.js';
import { registerRoutes } from '../../src/adapters/http/register-routes.js';
import { MemoryCalendarSource } from '../../src/adapters/memory-calendar-source.js';
import { MemoryReferralSink } from '../../src/adapters/sinks/memory-referral-sink.js';
import { RestReferralSink } from '../../src/adapters/sinks/rest-referral-sink.js';
import { SqliteReferralSink } from '../../src/adapters/sinks/sqlite-referral-sink.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { openDatabase } from '../../src/adapters/stores/sqlite-database.js';
import { SqliteStateStore } from '../../src/adapters/stores/sqlite-state-store.js';
import type { CalendarRef } from '../../src/app/ports/calendar-source.js';
import type { ReferralSink } from '../../src/app/ports/referral-sink.js';
import type { StateStore } from '../../src/app/ports/state-store.js';
import { syncCalendar } from '../../src/app/sync-calendar.js';
import type { Occurrence } from '../../src/domain/occurrence.js';
import type { ReferralEntry } from '../../src/domain/referral-entry.js';
import { sampleConfig } from '../helpers/sample-config.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 7, 0);
const anna: CalendarRef = { id: 'anna/ics-1', employee: 'anna', kind: 'ics', address: '/secret/anna.ics' };

function occurrence(uid: string, subject: string, hours: number): Occurrence {
  return {
    uid,
    recurrenceId: null,
    start: NOW + hours * HOUR,
    end: NOW + (hours + 1) * HOUR,
    allDay: false,
    status: 'confirmed',
    showAs: 'busy',
    private: false,
    createdAt: NOW - 24 * HOUR,
    modifiedAt: NOW - 24 * HOUR,
    organizerIsSelf: true,
    subject,
  };
}

/** A register with a way around hanvisa: what someone with the database or an admin tool does. */
interface Register {
  readonly sink: ReferralSink;
  readonly state: StateStore;
  behindTheBack(edit: { delete?: string; put?: ReferralEntry }): void;
  dispose(): Promise<void>;
}

const REGISTERS: [string, () => Promise<Register>][] = [
  [
    'memory sink, memory state',
    async () => {
      const sink = new MemoryReferralSink();
      return {
        sink,
        state: new MemoryStateStore(),
        behindTheBack: (edit) => {
          if (edit.delete) sink.remove(edit.delete);
          if (edit.put) sink.put(edit.put);
        },
        dispose: async () => {},
      };
    },
  ],
  [
    'sqlite sink, sqlite state',
    async () => {
      const db = openDatabase(':memory:');
      const sink = new SqliteReferralSink(db);
      return {
        sink,
        state: new SqliteStateStore(db),
        behindTheBack: (edit) => {
          if (edit.delete) db.prepare('DELETE FROM referral_entry WHERE id = ?').run(edit.delete);
          if (edit.put)
            db.prepare('UPDATE referral_entry SET label = ? WHERE id = ?').run(edit.put.label, edit.put.id);
        },
        dispose: async () => {
          db.close();
        },
      };
    },
  ],
  [
    'rest sink (served register), memory state',
    async () => {
      const db = openDatabase(':memory:');
      const store = new SqliteReferralSink(db);
      const server = await startHttpService({
        host: '127.0.0.1',
        port: 0,
        routes: [
          registerRoutes(store, {
            clientTokens: [],
            syncToken: 'sync-token',
            syncUser: null,
            syncPassword: null,
            open: false,
          }),
        ],
      });
      const sink = new RestReferralSink({ url: server.url, auth: { kind: 'bearer', token: 'sync-token' } });
      return {
        sink,
        state: new MemoryStateStore(),
        behindTheBack: (edit) => {
          if (edit.delete) store.deleteSync(edit.delete);
          if (edit.put) store.upsertSync(edit.put);
        },
        async dispose() {
          await server.close();
          db.close();
        },
      };
    },
  ],
];

const opened: Register[] = [];
afterEach(async () => {
  for (const register of opened.splice(0)) await register.dispose();
});

describe.each(REGISTERS)('drift repair: %s', (_name, open) => {
  it('restores a deleted and an edited entry in the next round, though the calendar did not change', async () => {
    const register = await open();
    opened.push(register);
    const source = new MemoryCalendarSource();
    const deps = {
      config: sampleConfig(),
      sourceFor: () => source,
      sink: register.sink,
      state: register.state,
    };
    source.set(anna.id, [occurrence('a', 'MÖT: x', 2), occurrence('b', 'LUN: y', 4)]);
    await syncCalendar(deps, anna, { now: NOW });
    const synced = await register.sink.list({ calendar: anna.id });
    const [a, b] = synced as [ReferralEntry, ReferralEntry];
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'unchanged' });
    register.behindTheBack({ delete: a.id, put: { ...b, label: 'Semester' } });
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({
      status: 'synced',
      created: 1,
      updated: 1,
    });
    expect(await register.sink.list({ calendar: anna.id })).toEqual(synced);
    expect(await syncCalendar(deps, anna, { now: NOW })).toMatchObject({ status: 'unchanged' });
  });
});
