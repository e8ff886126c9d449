import { graphSourceOptions } from '../adapters/graph/graph-config.js';
import { createGraphSource } from '../adapters/graph/graph-source.js';
import { createIcsSource } from '../adapters/ical/ics-source.js';
import { SqliteReferralSink } from '../adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../adapters/stores/sqlite-database.js';
import { SqliteStateStore } from '../adapters/stores/sqlite-state-store.js';
import { PermanentError } from '../domain/errors.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { CalendarRef, CalendarSource } from './ports/calendar-source.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { StateStore } from './ports/state-store.js';
import type { SyncDependencies } from './sync-calendar.js';

/** hanvisa wired from one config: the only place that picks implementations for ports. */
export interface App {
  readonly config: HanvisaConfig;
  readonly sink: ReferralSink;
  readonly state: StateStore;
  readonly sync: SyncDependencies;
  close(): Promise<void>;
}

/** Picks the calendar source for a calendar by its kind; one instance per kind, shared. */
export function createSourceResolver(config: HanvisaConfig): (calendar: CalendarRef) => CalendarSource {
  const sources = new Map<CalendarRef['kind'], CalendarSource>();
  return (calendar) => {
    let source = sources.get(calendar.kind);
    if (source === undefined) {
      source = createSource(config, calendar.kind);
      sources.set(calendar.kind, source);
    }
    return source;
  };
}

function createSource(config: HanvisaConfig, kind: CalendarRef['kind']): CalendarSource {
  switch (kind) {
    case 'ics':
      return createIcsSource({
        timeZone: config.timeZone,
        ics: config.ics,
        ownerAddresses: (calendar) => {
          const email = config.employees.get(calendar.employee)?.email;
          return email ? [email] : [];
        },
      });
    case 'graph':
      return createGraphSource(graphSourceOptions(config));
  }
}

/**
 * Wires the embedded default: the SQLite register and state (one file unless `state.path`
 * says otherwise), sources by calendar kind, the rules. Opening creates the database folder.
 */
export function createApp(config: HanvisaConfig): App {
  if (config.sink.kind !== 'embedded') {
    throw new PermanentError('sink.kind rest: not available in this build; use kind: embedded');
  }
  const db = openDatabase(config.sink.path);
  const stateDb = config.statePath === config.sink.path ? db : openDatabase(config.statePath);
  const sink = new SqliteReferralSink(db);
  const state = new SqliteStateStore(stateDb);
  return {
    config,
    sink,
    state,
    sync: { config, sourceFor: createSourceResolver(config), sink, state },
    async close() {
      await sink.close();
      await state.close();
      if (stateDb !== db) stateDb.close();
      db.close();
    },
  };
}
