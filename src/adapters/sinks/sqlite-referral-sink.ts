import type Database from 'better-sqlite3';
import type { ReferralQuery, ReferralSink } from '../../app/ports/referral-sink.js';
import { PermanentError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { type Plan, planOwnershipProblem } from '../../domain/reconcile.js';
import { CALENDAR_SOURCE, type ReferralEntry } from '../../domain/referral-entry.js';

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

const COLUMNS = `(id, employee, extension, reason, label, mode, start, "end", source, calendar, uid,
         recurrence_id, content_hash, version, updated_at)
       VALUES (@id, @employee, @extension, @reason, @label, @mode, @start, @end, @source, @calendar, @uid,
         @recurrenceId, @contentHash, 1, @now)`;

const SET_ALL = `employee = excluded.employee, extension = excluded.extension,
         reason = excluded.reason, label = excluded.label, mode = excluded.mode, start = excluded.start,
         "end" = excluded."end", source = excluded.source, calendar = excluded.calendar, uid = excluded.uid,
         recurrence_id = excluded.recurrence_id, content_hash = excluded.content_hash,
         version = referral_entry.version + 1, updated_at = excluded.updated_at`;

/** True when the stored row differs from the new one in any stored field (not only the hash: rows can be edited behind hanvisa's back). */
const DIFFERS = `(referral_entry.employee IS NOT excluded.employee OR referral_entry.extension IS NOT excluded.extension
         OR referral_entry.reason IS NOT excluded.reason OR referral_entry.label IS NOT excluded.label
         OR referral_entry.mode IS NOT excluded.mode OR referral_entry.start IS NOT excluded.start
         OR referral_entry."end" IS NOT excluded."end" OR referral_entry.source IS NOT excluded.source
         OR referral_entry.calendar IS NOT excluded.calendar OR referral_entry.uid IS NOT excluded.uid
         OR referral_entry.recurrence_id IS NOT excluded.recurrence_id
         OR referral_entry.content_hash IS NOT excluded.content_hash)`;

/**
 * The embedded referral register in SQLite. Each plan is applied in one transaction; upserts
 * keep the row when nothing stored differs, so applying a plan twice changes nothing (not even
 * the version). Sync's writes (`apply`) only ever change rows whose source is `calendar`: a
 * manual row is neither overwritten nor deleted, whatever the plan says.
 */
export class SqliteReferralSink implements ReferralSink {
  readonly #db: Database.Database;
  readonly #upsert: Database.Statement;
  readonly #upsertOwned: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #deleteOwned: Database.Statement;
  readonly #ownedCalendars: Database.Statement;
  /** One prepared statement per filter combination (at most eight): `list` runs every round. */
  readonly #lists = new Map<string, Database.Statement>();
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
      `INSERT INTO referral_entry ${COLUMNS} ON CONFLICT (id) DO UPDATE SET ${SET_ALL} WHERE ${DIFFERS}`,
    );
    this.#upsertOwned = db.prepare(
      `INSERT INTO referral_entry ${COLUMNS} ON CONFLICT (id) DO UPDATE SET ${SET_ALL}
       WHERE referral_entry.source = '${CALENDAR_SOURCE}' AND ${DIFFERS}`,
    );
    this.#delete = db.prepare('DELETE FROM referral_entry WHERE id = ?');
    this.#deleteOwned = db.prepare(
      `DELETE FROM referral_entry WHERE id = ? AND source = '${CALENDAR_SOURCE}'`,
    );
    this.#ownedCalendars = db.prepare(
      `SELECT DISTINCT calendar FROM referral_entry WHERE source = '${CALENDAR_SOURCE}' ORDER BY calendar`,
    );
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
    let statement = this.#lists.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#lists.set(sql, statement);
    }
    return (statement.all(...params) as EntryRow[]).map((row) => ({
      entry: rowToEntry(row),
      version: row.version,
    }));
  }

  async get(id: string): Promise<ReferralEntry | null> {
    return this.getSync(id)?.entry ?? null;
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

  /** Upsert and, when it changed the row, its outbox rows (inside the caller's transaction). */
  #upsertRecorded(entry: ReferralEntry, now: number, statement: Database.Statement = this.#upsert): number {
    const before = this.#get.get(entry.id) as EntryRow | undefined;
    if (statement.run(this.#params(entry, now)).changes > 0)
      this.#outbox?.recordEntryChangesSync(before === undefined ? null : rowToEntry(before), entry, now);
    return (this.#get.get(entry.id) as EntryRow | undefined)?.version ?? 0;
  }

  /** Delete and, when it removed a row, its outbox rows (inside the caller's transaction). */
  #deleteRecorded(id: string, now: number, statement: Database.Statement = this.#delete): boolean {
    const before = this.#get.get(id) as EntryRow | undefined;
    if (before === undefined || statement.run(id).changes === 0) return false;
    this.#outbox?.recordEntryChangesSync(rowToEntry(before), null, now);
    return true;
  }

  async apply(plan: Plan): Promise<void> {
    if (plan.refused !== null) {
      throw new PermanentError(
        `calendar ${plan.calendar}: refusing to apply a plan the mass-delete guard stopped`,
      );
    }
    const problem = planOwnershipProblem(plan);
    if (problem !== null) throw new PermanentError(problem);
    const now = this.#clock();
    if (this.#outbox !== null) {
      this.#db.transaction(() => {
        for (const entry of [...plan.creates, ...plan.updates])
          this.#upsertRecorded(entry, now, this.#upsertOwned);
        for (const entry of plan.deletes) this.#deleteRecorded(entry.id, now, this.#deleteOwned);
      })();
      return;
    }
    this.#db.transaction(() => {
      for (const entry of plan.creates) this.#upsertOwned.run(this.#params(entry, now));
      for (const entry of plan.updates) this.#upsertOwned.run(this.#params(entry, now));
      for (const entry of plan.deletes) this.#deleteOwned.run(entry.id);
    })();
  }

  async ownedCalendars(): Promise<string[]> {
    return (this.#ownedCalendars.all() as { calendar: string }[]).map((row) => row.calendar);
  }

  async pruneEnded(before: Instant): Promise<number> {
    return this.#db.prepare('DELETE FROM referral_entry WHERE "end" < ?').run(before).changes;
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
