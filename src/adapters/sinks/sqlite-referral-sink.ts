import type Database from 'better-sqlite3';
import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError } from '../../domain/errors.js';
import type { Plan } from '../../domain/reconcile.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

interface EntryRow {
  id: string;
  employee: string;
  extension: string;
  reason: string;
  label: string;
  mode: string;
  start: number;
  end: number;
  source: string;
  calendar: string;
  uid: string;
  recurrence_id: string | null;
  content_hash: string;
  version: number;
}

/**
 * The mirrors' outbox as the register sees it: called inside the register's transaction with
 * each entry before and after a write, so the change and its outbox rows commit together.
 */
export interface RegisterOutbox {
  recordEntryChangesSync(previous: ReferralEntry | null, next: ReferralEntry | null, now: number): number;
}

/** A register entry as stored, with its version (bumped on every change; the REST contract's ETag). */
export interface VersionedEntry {
  readonly entry: ReferralEntry;
  readonly version: number;
}

export function rowToEntry(row: EntryRow): ReferralEntry {
  return {
    id: row.id,
    employee: row.employee,
    extension: row.extension,
    reason: row.reason,
    label: row.label,
    mode: row.mode as ReferralEntry['mode'],
    start: row.start,
    end: row.end,
    source: row.source,
    sourceRef: { calendar: row.calendar, uid: row.uid, recurrenceId: row.recurrence_id },
    contentHash: row.content_hash,
  };
}

/**
 * The embedded referral register in SQLite. Each plan is applied in one transaction; upserts
 * keep the row when the content hash is the same, so applying a plan twice changes nothing
 * (not even the version).
 */
export class SqliteReferralSink implements ReferralSink {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #get: Database.Statement;
  readonly #ownsDb: boolean;
  readonly #outbox: RegisterOutbox | null;
  readonly #clock: () => number;

  constructor(
    db: Database.Database,
    options: { ownsDb?: boolean; outbox?: RegisterOutbox | null; clock?: () => number } = {},
  ) {
    this.#db = db;
    this.#ownsDb = options.ownsDb ?? false;
    this.#outbox = options.outbox ?? null;
    this.#clock = options.clock ?? Date.now;
    this.#upsert = db.prepare(
      `INSERT INTO referral_entry (id, employee, extension, reason, label, mode, start, "end", source, calendar, uid,
         recurrence_id, content_hash, version, updated_at)
       VALUES (@id, @employee, @extension, @reason, @label, @mode, @start, @end, @source, @calendar, @uid,
         @recurrenceId, @contentHash, 1, @now)
       ON CONFLICT (id) DO UPDATE SET employee = excluded.employee, extension = excluded.extension,
         reason = excluded.reason, label = excluded.label, mode = excluded.mode, start = excluded.start,
         "end" = excluded."end", source = excluded.source, calendar = excluded.calendar, uid = excluded.uid,
         recurrence_id = excluded.recurrence_id, content_hash = excluded.content_hash,
         version = referral_entry.version + 1, updated_at = excluded.updated_at
       WHERE referral_entry.content_hash <> excluded.content_hash`,
    );
    this.#delete = db.prepare('DELETE FROM referral_entry WHERE id = ?');
    this.#get = db.prepare('SELECT * FROM referral_entry WHERE id = ?');
  }

  async list(query: ReferralQuery): Promise<ReferralEntry[]> {
    return this.listSync(query).map((item) => item.entry);
  }

  /** Entries with their versions, ordered by start (for the register's REST service). */
  listSync(query: ReferralQuery): VersionedEntry[] {
    const where: string[] = [];
    const params: string[] = [];
    if (query.employee !== undefined) {
      where.push('employee = ?');
      params.push(query.employee);
    }
    if (query.calendar !== undefined) {
      where.push('calendar = ?');
      params.push(query.calendar);
    }
    if (query.source !== undefined) {
      where.push('source = ?');
      params.push(query.source);
    }
    const sql = `SELECT * FROM referral_entry ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start, id`;
    return (this.#db.prepare(sql).all(...params) as EntryRow[]).map((row) => ({
      entry: rowToEntry(row),
      version: row.version,
    }));
  }

  getSync(id: string): VersionedEntry | null {
    const row = this.#get.get(id) as EntryRow | undefined;
    return row ? { entry: rowToEntry(row), version: row.version } : null;
  }

  /** Upserts one entry; returns its version afterwards. */
  upsertSync(entry: ReferralEntry, now: number = this.#clock()): number {
    if (this.#outbox !== null) return this.#db.transaction(() => this.#upsertRecorded(entry, now))();
    this.#upsert.run(this.#params(entry, now));
    return (this.#get.get(entry.id) as EntryRow).version;
  }

  deleteSync(id: string, now: number = this.#clock()): boolean {
    if (this.#outbox !== null) return this.#db.transaction(() => this.#deleteRecorded(id, now))();
    return this.#delete.run(id).changes > 0;
  }

  /** Upsert and its outbox rows (inside the caller's transaction). */
  #upsertRecorded(entry: ReferralEntry, now: number): number {
    const before = this.#get.get(entry.id) as EntryRow | undefined;
    this.#upsert.run(this.#params(entry, now));
    this.#outbox?.recordEntryChangesSync(before === undefined ? null : rowToEntry(before), entry, now);
    return (this.#get.get(entry.id) as EntryRow).version;
  }

  /** Delete and its outbox rows (inside the caller's transaction). */
  #deleteRecorded(id: string, now: number): boolean {
    const before = this.#get.get(id) as EntryRow | undefined;
    if (before === undefined) return false;
    this.#delete.run(id);
    this.#outbox?.recordEntryChangesSync(rowToEntry(before), null, now);
    return true;
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) {
      throw new PermanentError(
        `calendar ${plan.calendar}: refusing to apply a plan the mass-delete guard stopped`,
      );
    }
    const now = this.#clock();
    if (this.#outbox !== null) {
      this.#db.transaction(() => {
        for (const entry of [...plan.creates, ...plan.updates]) this.#upsertRecorded(entry, now);
        for (const entry of plan.deletes) this.#deleteRecorded(entry.id, now);
      })();
      return;
    }
    this.#db.transaction(() => {
      for (const entry of plan.creates) this.#upsert.run(this.#params(entry, now));
      for (const entry of plan.updates) this.#upsert.run(this.#params(entry, now));
      for (const entry of plan.deletes) this.#delete.run(entry.id);
    })();
  }

  async close(): Promise<void> {
    if (this.#ownsDb && this.#db.open) this.#db.close();
  }

  #params(entry: ReferralEntry, now: number) {
    return {
      id: entry.id,
      employee: entry.employee,
      extension: entry.extension,
      reason: entry.reason,
      label: entry.label,
      mode: entry.mode,
      start: entry.start,
      end: entry.end,
      source: entry.source,
      calendar: entry.sourceRef.calendar,
      uid: entry.sourceRef.uid,
      recurrenceId: entry.sourceRef.recurrenceId,
      contentHash: entry.contentHash,
      now,
    };
  }
}
