import type Database from 'better-sqlite3';
import type { SourceCursor } from '../../app/ports/calendar-source.js';
import type { CalendarSyncState, Finding, FindingQuery, StateStore } from '../../app/ports/state-store.js';
import type { Instant } from '../../domain/occurrence.js';

/** Keys per statement in markSeen. */
const SEEN_BATCH = 500;

interface StateRow {
  calendar: string;
  cursor: string | null;
  last_sync_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  register_digest: string | null;
}

interface FindingRow {
  key: string;
  rule: string;
  kind: string;
  employee: string;
  calendar: string;
  event_uid: string;
  occurrence_start: number;
  found_at: number;
  details: string;
}

/** SQLite state store for the embedded runtime; shares the database file with the register. */
export class SqliteStateStore implements StateStore {
  readonly #db: Database.Database;
  readonly #ownsDb: boolean;
  readonly #getState: Database.Statement;
  readonly #putState: Database.Statement;
  readonly #insertSeen: Database.Statement;
  readonly #getSeen: Database.Statement;
  readonly #insertFinding: Database.Statement;
  readonly #deleteState: Database.Statement;
  readonly #insertSecret: Database.Statement;
  readonly #getSecret: Database.Statement;

  constructor(db: Database.Database, options: { ownsDb?: boolean } = {}) {
    this.#db = db;
    this.#ownsDb = options.ownsDb ?? false;
    this.#getState = db.prepare('SELECT * FROM calendar_state WHERE calendar = ?');
    this.#putState = db.prepare(
      `INSERT INTO calendar_state (calendar, cursor, last_sync_at, last_success_at, last_error, register_digest)
       VALUES (@calendar, @cursor, @lastSyncAt, @lastSuccessAt, @lastError, @registerDigest)
       ON CONFLICT (calendar) DO UPDATE SET cursor = excluded.cursor, last_sync_at = excluded.last_sync_at,
         last_success_at = excluded.last_success_at, last_error = excluded.last_error,
         register_digest = excluded.register_digest`,
    );
    this.#deleteState = db.prepare('DELETE FROM calendar_state WHERE calendar = ?');
    this.#insertSecret = db.prepare('INSERT OR IGNORE INTO secret (name, value) VALUES (?, ?)');
    this.#getSecret = db.prepare('SELECT value FROM secret WHERE name = ?');
    this.#insertSeen = db.prepare(
      'INSERT OR IGNORE INTO first_seen (key, seen_at) SELECT value, @now FROM json_each(@keys)',
    );
    this.#getSeen = db.prepare(
      'SELECT key, seen_at FROM first_seen WHERE key IN (SELECT value FROM json_each(@keys))',
    );
    this.#insertFinding = db.prepare(
      `INSERT OR IGNORE INTO finding (key, rule, kind, employee, calendar, event_uid, occurrence_start, found_at, details)
       VALUES (@key, @rule, @kind, @employee, @calendar, @eventUid, @occurrenceStart, @foundAt, @details)`,
    );
  }

  async getSyncState(calendar: string): Promise<CalendarSyncState | null> {
    const row = this.#getState.get(calendar) as StateRow | undefined;
    if (row === undefined) return null;
    return {
      calendar: row.calendar,
      cursor: row.cursor === null ? null : (JSON.parse(row.cursor) as SourceCursor),
      lastSyncAt: row.last_sync_at,
      lastSuccessAt: row.last_success_at,
      lastError: row.last_error,
      registerDigest: row.register_digest,
    };
  }

  async putSyncState(state: CalendarSyncState): Promise<void> {
    this.#putState.run({
      calendar: state.calendar,
      cursor: state.cursor === null ? null : JSON.stringify(state.cursor),
      lastSyncAt: state.lastSyncAt,
      lastSuccessAt: state.lastSuccessAt,
      lastError: state.lastError,
      registerDigest: state.registerDigest,
    });
  }

  async deleteSyncState(calendar: string): Promise<void> {
    this.#deleteState.run(calendar);
  }

  async ensureSecret(name: string, candidate: string): Promise<string> {
    // Read first: the secret exists on all but the first call, and a read takes no write lock.
    const stored = this.#getSecret.get(name) as { value: string } | undefined;
    if (stored !== undefined) return stored.value;
    this.#insertSecret.run(name, candidate);
    return (this.#getSecret.get(name) as { value: string }).value;
  }

  async markSeen(keys: readonly string[], now: Instant): Promise<Map<string, Instant>> {
    const result = new Map<string, Instant>();
    if (keys.length === 0) return result;
    // Two statements per batch, not two per key: the keys travel as one JSON array.
    this.#db.transaction(() => {
      const unique = [...new Set(keys)];
      for (let index = 0; index < unique.length; index += SEEN_BATCH) {
        const batch = JSON.stringify(unique.slice(index, index + SEEN_BATCH));
        this.#insertSeen.run({ keys: batch, now });
        for (const row of this.#getSeen.all({ keys: batch }) as { key: string; seen_at: number }[]) {
          result.set(row.key, row.seen_at);
        }
      }
    })();
    return result;
  }

  async addFindings(findings: readonly Finding[]): Promise<number> {
    let added = 0;
    this.#db.transaction(() => {
      for (const finding of findings) {
        added += this.#insertFinding.run({
          key: finding.key,
          rule: finding.rule,
          kind: finding.kind,
          employee: finding.employee,
          calendar: finding.calendar,
          eventUid: finding.eventUid,
          occurrenceStart: finding.occurrenceStart,
          foundAt: finding.foundAt,
          details: JSON.stringify(finding.details),
        }).changes;
      }
    })();
    return added;
  }

  async listFindings(query: FindingQuery): Promise<Finding[]> {
    const where = ['occurrence_start >= ?', 'occurrence_start < ?'];
    const params: (string | number)[] = [query.from, query.to];
    if (query.rule !== undefined) {
      where.push('rule = ?');
      params.push(query.rule);
    }
    if (query.employees !== undefined) {
      where.push(`employee IN (${query.employees.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...query.employees);
    }
    const rows = this.#db
      .prepare(`SELECT * FROM finding WHERE ${where.join(' AND ')} ORDER BY occurrence_start, key`)
      .all(...params) as FindingRow[];
    return rows.map((row) => ({
      key: row.key,
      rule: row.rule,
      kind: row.kind,
      employee: row.employee,
      calendar: row.calendar,
      eventUid: row.event_uid,
      occurrenceStart: row.occurrence_start,
      foundAt: row.found_at,
      details: JSON.parse(row.details) as Finding['details'],
    }));
  }

  async pruneSeen(before: Instant): Promise<number> {
    return this.#db.prepare('DELETE FROM first_seen WHERE seen_at < ?').run(before).changes;
  }

  async pruneFindings(before: Instant): Promise<number> {
    return this.#db.prepare('DELETE FROM finding WHERE occurrence_start < ?').run(before).changes;
  }

  async close(): Promise<void> {
    if (this.#ownsDb && this.#db.open) this.#db.close();
  }
}
