import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PermanentError } from '../../domain/errors.js';

/**
 * Versioned schema migrations of the embedded database. Append only: a migration that has
 * shipped is never edited, a change is a new entry. `PRAGMA user_version` records how far a
 * file has come, so an old file is brought forward on open and a newer one is refused.
 * No column holds subject text.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE referral_entry (
     id TEXT PRIMARY KEY,
     employee TEXT NOT NULL,
     extension TEXT NOT NULL,
     reason TEXT NOT NULL,
     label TEXT NOT NULL,
     mode TEXT NOT NULL,
     start INTEGER NOT NULL,
     "end" INTEGER NOT NULL,
     source TEXT NOT NULL,
     calendar TEXT NOT NULL,
     uid TEXT NOT NULL,
     recurrence_id TEXT,
     content_hash TEXT NOT NULL,
     version INTEGER NOT NULL DEFAULT 1,
     updated_at INTEGER NOT NULL
   );
   CREATE INDEX referral_entry_calendar ON referral_entry (calendar, start);
   CREATE INDEX referral_entry_employee ON referral_entry (employee, start);
   CREATE TABLE calendar_state (
     calendar TEXT PRIMARY KEY,
     cursor TEXT,
     last_sync_at INTEGER,
     last_success_at INTEGER,
     last_error TEXT
   );
   CREATE TABLE first_seen (
     key TEXT PRIMARY KEY,
     seen_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE finding (
     key TEXT PRIMARY KEY,
     rule TEXT NOT NULL,
     kind TEXT NOT NULL,
     employee TEXT NOT NULL,
     calendar TEXT NOT NULL,
     event_uid TEXT NOT NULL,
     occurrence_start INTEGER NOT NULL,
     found_at INTEGER NOT NULL,
     details TEXT NOT NULL
   );
   CREATE INDEX finding_start ON finding (occurrence_start);`,
  // 2: first-seen times are pruned by age (retention).
  'CREATE INDEX first_seen_seen_at ON first_seen (seen_at);',
  // 3: drift repair (the digest of each calendar's own entries), the uid key, retention of ended entries.
  `ALTER TABLE calendar_state ADD COLUMN register_digest TEXT;
   CREATE TABLE secret (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
   CREATE INDEX referral_entry_end ON referral_entry ("end");`,
  // 4: Graph change-notification subscriptions (push), one per calendar; the clientState only hashed.
  `CREATE TABLE push_subscription (
     calendar TEXT PRIMARY KEY,
     subscription_id TEXT UNIQUE,
     client_state_hash TEXT NOT NULL,
     expires_at INTEGER,
     status TEXT NOT NULL,
     failures INTEGER NOT NULL,
     retry_at INTEGER,
     last_error TEXT,
     created_at INTEGER,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE push_notified (
     calendar TEXT PRIMARY KEY,
     at INTEGER NOT NULL
   );`,
  // 5: the outbox of the mirrors (issue 12), written in the register's own transactions
  // (IF NOT EXISTS: a file whose user_version was set back still has these tables).
  `CREATE TABLE IF NOT EXISTS outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     mirror TEXT NOT NULL,
     employee TEXT NOT NULL,
     ref TEXT NOT NULL,
     change TEXT NOT NULL,
     occurred_at INTEGER NOT NULL,
     recorded_at INTEGER NOT NULL,
     payload TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT,
     done_at INTEGER
   );
   CREATE INDEX IF NOT EXISTS outbox_head ON outbox (mirror, employee, status, occurred_at, seq);
   CREATE INDEX IF NOT EXISTS outbox_due ON outbox (mirror, status, next_attempt_at);
   CREATE INDEX IF NOT EXISTS outbox_ref ON outbox (mirror, ref, status);
   CREATE UNIQUE INDEX IF NOT EXISTS outbox_notice ON outbox (mirror, ref) WHERE change IN ('unknownCode', 'lateEntry');
   CREATE TABLE IF NOT EXISTS mirror_state (
     mirror TEXT NOT NULL,
     employee TEXT NOT NULL,
     state TEXT NOT NULL,
     PRIMARY KEY (mirror, employee)
   ) WITHOUT ROWID;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating the folder and file when missing) and migrates the embedded database. Any
 * number of processes may open one file at once, a new one included: the busy timeout is set
 * before anything else touches the file, and the migrations run in one IMMEDIATE transaction.
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    // Switching a new file to WAL takes an exclusive lock for which SQLite does not always call
    // the busy handler: processes opening one new file together retry it themselves.
    whileBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    whileBusy(() => migrate(db, file));
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

const BUSY_RETRY_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Runs `work`, again after a short pause while SQLite answers SQLITE_BUSY, for up to 10 s. */
function whileBusy<T>(work: () => T): T {
  const deadline = Date.now() + BUSY_RETRY_MS;
  for (;;) {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

/**
 * Brings the file to SCHEMA_VERSION. The version is read and bumped inside one IMMEDIATE
 * transaction, which takes the write lock before reading: a second process opening the same
 * new file waits (busy timeout), then reads the version the first one wrote and runs nothing,
 * instead of both reading 0 and the second failing with "table … already exists".
 */
function migrate(db: Database.Database, file: string): void {
  const newer = (current: number) =>
    new PermanentError(
      `${file}: database schema version ${current} is newer than this hanvisa (${MIGRATIONS.length}); upgrade hanvisa`,
    );
  // Most opens find the file current: check without taking the write lock.
  const seen = db.pragma('user_version', { simple: true }) as number;
  if (seen > MIGRATIONS.length) throw newer(seen);
  if (seen === MIGRATIONS.length) return;
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) throw newer(current);
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
