import type Database from 'better-sqlite3';
import type { MirrorChange, OutboxChangeKind } from '../../app/ports/mirror.js';
import { mirrorEntry } from '../../app/ports/mirror.js';
import type {
  DeliveryFailure,
  NoticeRecord,
  OutboxStats,
  OutboxStore,
} from '../../app/ports/outbox-store.js';
import { plannedChanges } from '../../domain/mirror-change.js';
import type { Instant } from '../../domain/occurrence.js';
import type { ReferralEntry } from '../../domain/referral-entry.js';

interface OutboxRow {
  seq: number;
  mirror: string;
  employee: string;
  ref: string;
  change: string;
  occurred_at: number;
  recorded_at: number;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
}

function rowToChange(row: OutboxRow): MirrorChange {
  const payload = JSON.parse(row.payload) as Pick<MirrorChange, 'entry' | 'notice'>;
  return {
    seq: row.seq,
    mirror: row.mirror,
    employee: row.employee,
    ref: row.ref,
    version: row.seq,
    change: row.change as OutboxChangeKind,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    attempts: row.attempts,
    entry: payload.entry ?? null,
    notice: payload.notice ?? null,
  };
}

/**
 * The outbox in the embedded database, beside the register: `recordEntryChangesSync` runs inside
 * the register's own transaction (SqliteReferralSink calls it), so a change and its outbox rows
 * are committed together or not at all; a SIGKILL between the commit and the delivery leaves
 * the rows to be delivered after the restart. A change's `version` is its row's sequence number:
 * it only grows, per mirror and entry, across deletes and re-creates.
 */
export class SqliteOutboxStore implements OutboxStore {
  readonly entryMirrors: readonly string[];
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #insertNotice: Database.Statement;
  readonly #cancelFuture: Database.Statement;
  readonly #head: Database.Statement;
  readonly #due: Database.Statement;
  readonly #delivered: Database.Statement;
  readonly #retry: Database.Statement;
  readonly #defer: Database.Statement;
  readonly #dead: Database.Statement;
  readonly #stats: Database.Statement;
  readonly #listDead: Database.Statement;
  readonly #getState: Database.Statement;
  readonly #putState: Database.Statement;
  readonly #deleteState: Database.Statement;
  readonly #prune: Database.Statement;

  constructor(db: Database.Database, options: { entryMirrors: readonly string[] }) {
    this.#db = db;
    this.entryMirrors = options.entryMirrors;
    const insert = `INSERT INTO outbox (mirror, employee, ref, change, occurred_at, recorded_at, payload, status, next_attempt_at)
       VALUES (@mirror, @employee, @ref, @change, @occurredAt, @now, @payload, 'pending', @nextAttemptAt)`;
    this.#insert = db.prepare(insert);
    this.#insertNotice = db.prepare(insert.replace('INSERT INTO', 'INSERT OR IGNORE INTO'));
    this.#cancelFuture = db.prepare(
      `DELETE FROM outbox WHERE mirror = ? AND ref = ? AND status = 'pending' AND change IN ('current', 'ended')
         AND occurred_at > ?`,
    );
    this.#head = db.prepare(
      `SELECT * FROM outbox WHERE mirror = ? AND employee = ? AND status = 'pending' ORDER BY occurred_at, seq LIMIT 1`,
    );
    this.#due = db.prepare(
      `SELECT employee, MIN(next_attempt_at) AS due FROM outbox
         WHERE mirror = ? AND status = 'pending' AND next_attempt_at <= ? GROUP BY employee ORDER BY due LIMIT ?`,
    );
    this.#delivered = db.prepare(
      `UPDATE outbox SET status = 'delivered', done_at = ?, last_error = NULL WHERE seq = ? AND status = 'pending'`,
    );
    this.#retry = db.prepare(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ? AND status = 'pending'`,
    );
    this.#defer = db.prepare(`UPDATE outbox SET next_attempt_at = ? WHERE seq = ? AND status = 'pending'`);
    this.#dead = db.prepare(
      `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, done_at = ? WHERE seq = ? AND status = 'pending'`,
    );
    this.#stats = db.prepare(
      `SELECT
         (SELECT COUNT(*) FROM outbox WHERE mirror = @mirror AND status = 'pending' AND occurred_at <= @now) AS pending,
         (SELECT MIN(occurred_at) FROM outbox WHERE mirror = @mirror AND status = 'pending' AND occurred_at <= @now) AS oldest,
         (SELECT COUNT(*) FROM outbox WHERE mirror = @mirror AND status = 'dead') AS dead`,
    );
    this.#listDead = db.prepare(
      `SELECT * FROM outbox WHERE mirror = ? AND status = 'dead' ORDER BY seq DESC LIMIT ?`,
    );
    this.#getState = db.prepare('SELECT state FROM mirror_state WHERE mirror = ? AND employee = ?');
    this.#putState = db.prepare(
      `INSERT INTO mirror_state (mirror, employee, state) VALUES (?, ?, ?)
         ON CONFLICT (mirror, employee) DO UPDATE SET state = excluded.state`,
    );
    this.#deleteState = db.prepare('DELETE FROM mirror_state WHERE mirror = ? AND employee = ?');
    this.#prune = db.prepare(
      `DELETE FROM outbox WHERE (status = 'delivered' AND change NOT IN ('unknownCode', 'lateEntry') AND recorded_at < @delivered)
         OR (status IN ('delivered', 'dead') AND recorded_at < @kept)`,
    );
  }

  /**
   * Records the changes of one register write for every entry mirror; call it inside the
   * register's transaction (a nested call becomes a savepoint). Returns the rows added.
   */
  recordEntryChangesSync(previous: ReferralEntry | null, next: ReferralEntry | null, now: Instant): number {
    if (this.entryMirrors.length === 0) return 0;
    const changes = plannedChanges(previous, next, now);
    if (changes.length === 0) return 0;
    const ref = (next ?? previous)?.id as string;
    let added = 0;
    for (const mirror of this.entryMirrors) {
      this.#cancelFuture.run(mirror, ref, now);
      for (const change of changes) {
        this.#insert.run({
          mirror,
          employee: change.entry.employee,
          ref,
          change: change.change,
          occurredAt: change.occurredAt,
          now,
          payload: JSON.stringify({ entry: mirrorEntry(change.entry) }),
          nextAttemptAt: change.occurredAt,
        });
        added++;
      }
    }
    return added;
  }

  async recordEntryChanges(
    previous: ReferralEntry | null,
    next: ReferralEntry | null,
    now: Instant,
  ): Promise<number> {
    return this.#db.transaction(() => this.recordEntryChangesSync(previous, next, now))();
  }

  async recordNotices(mirror: string, notices: readonly NoticeRecord[], now: Instant): Promise<number> {
    return this.#db.transaction(() => {
      let added = 0;
      for (const item of notices) {
        added += this.#insertNotice.run({
          mirror,
          employee: item.employee,
          ref: item.ref,
          change: item.change,
          occurredAt: now,
          now,
          payload: JSON.stringify({ notice: item.notice }),
          nextAttemptAt: Math.max(now, item.notBefore),
        }).changes;
      }
      return added;
    })();
  }

  async head(mirror: string, employee: string, now: Instant): Promise<MirrorChange | null> {
    const row = this.#head.get(mirror, employee) as OutboxRow | undefined;
    if (row === undefined || row.occurred_at > now || row.next_attempt_at > now) return null;
    return rowToChange(row);
  }

  async nextDueAt(mirror: string, employee: string): Promise<Instant | null> {
    const row = this.#head.get(mirror, employee) as OutboxRow | undefined;
    return row === undefined ? null : Math.max(row.occurred_at, row.next_attempt_at);
  }

  async dueEmployees(mirror: string, now: Instant, limit: number): Promise<string[]> {
    return (this.#due.all(mirror, now, limit) as { employee: string }[]).map((row) => row.employee);
  }

  async markDelivered(seq: number, now: Instant): Promise<void> {
    this.#delivered.run(now, seq);
  }

  async markFailed(seq: number, failure: DeliveryFailure, now: Instant): Promise<void> {
    if (failure.kind === 'retry') this.#retry.run(failure.nextAttemptAt, failure.error, seq);
    else if (failure.kind === 'defer') this.#defer.run(failure.until, seq);
    else this.#dead.run(failure.error, now, seq);
  }

  async stats(mirror: string, now: Instant): Promise<OutboxStats> {
    const row = this.#stats.get({ mirror, now }) as { pending: number; oldest: number | null; dead: number };
    return {
      pending: row.pending,
      oldestPendingMs: row.oldest === null ? 0 : Math.max(0, now - row.oldest),
      dead: row.dead,
    };
  }

  async listDead(mirror: string, limit: number): Promise<MirrorChange[]> {
    return (this.#listDead.all(mirror, limit) as OutboxRow[]).map(rowToChange);
  }

  async getMirrorState(mirror: string, employee: string): Promise<unknown | null> {
    const row = this.#getState.get(mirror, employee) as { state: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.state) as unknown);
  }

  async putMirrorState(mirror: string, employee: string, state: unknown | null): Promise<void> {
    if (state === null) this.#deleteState.run(mirror, employee);
    else this.#putState.run(mirror, employee, JSON.stringify(state));
  }

  async prune(cutoffs: { readonly delivered: Instant; readonly kept: Instant }): Promise<number> {
    return this.#prune.run(cutoffs).changes;
  }
}
