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
  // 3: Graph change-notification subscriptions (push), one per calendar; the clientState only hashed.
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
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Opens (creating the folder and file when missing) and migrates the embedded database. */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db, file);
  return db;
}

function migrate(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new PermanentError(
      `${file}: database schema version ${current} is newer than this hanvisa (${MIGRATIONS.length}); upgrade hanvisa`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
