import type Database from 'better-sqlite3';
import type { PushSubscription, PushSubscriptionStore } from '../../app/ports/push-subscription-store.js';

interface Row {
  calendar: string;
  subscription_id: string | null;
  client_state_hash: string;
  expires_at: number | null;
  status: string;
  failures: number;
  retry_at: number | null;
  last_error: string | null;
  created_at: number | null;
  updated_at: number;
}

function toRecord(row: Row): PushSubscription {
  return {
    calendar: row.calendar,
    subscriptionId: row.subscription_id,
    clientStateHash: row.client_state_hash,
    expiresAt: row.expires_at,
    status: row.status === 'active' ? 'active' : 'failing',
    failures: row.failures,
    retryAt: row.retry_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Push subscriptions in the embedded database (tables `push_subscription` and `push_notified`, migration 4). */
export class SqlitePushStore implements PushSubscriptionStore {
  readonly #get: Database.Statement;
  readonly #byId: Database.Statement;
  readonly #put: Database.Statement;
  readonly #remove: Database.Statement;
  readonly #list: Database.Statement;
  readonly #counts: Database.Statement;
  readonly #mark: Database.Statement;
  readonly #take: Database.Statement;

  constructor(db: Database.Database) {
    this.#get = db.prepare('SELECT * FROM push_subscription WHERE calendar = ?');
    this.#byId = db.prepare('SELECT * FROM push_subscription WHERE subscription_id = ?');
    this.#put = db.prepare(
      `INSERT INTO push_subscription (calendar, subscription_id, client_state_hash, expires_at, status, failures,
         retry_at, last_error, created_at, updated_at)
       VALUES (@calendar, @subscriptionId, @clientStateHash, @expiresAt, @status, @failures, @retryAt, @lastError,
         @createdAt, @updatedAt)
       ON CONFLICT (calendar) DO UPDATE SET subscription_id = excluded.subscription_id,
         client_state_hash = excluded.client_state_hash, expires_at = excluded.expires_at, status = excluded.status,
         failures = excluded.failures, retry_at = excluded.retry_at, last_error = excluded.last_error,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
    );
    this.#remove = db.prepare('DELETE FROM push_subscription WHERE calendar = ?');
    this.#list = db.prepare('SELECT * FROM push_subscription ORDER BY calendar');
    this.#counts = db.prepare('SELECT status, count(*) AS n FROM push_subscription GROUP BY status');
    this.#mark = db.prepare('INSERT OR IGNORE INTO push_notified (calendar, at) VALUES (?, ?)');
    this.#take = db.prepare('DELETE FROM push_notified WHERE calendar = ? RETURNING at');
  }

  async markNotified(calendar: string, at: number): Promise<void> {
    this.#mark.run(calendar, at);
  }

  async takeNotified(calendar: string): Promise<number | null> {
    const row = this.#take.get(calendar) as { at: number } | undefined;
    return row?.at ?? null;
  }

  async get(calendar: string): Promise<PushSubscription | null> {
    const row = this.#get.get(calendar) as Row | undefined;
    return row === undefined ? null : toRecord(row);
  }

  async bySubscriptionId(subscriptionId: string): Promise<PushSubscription | null> {
    const row = this.#byId.get(subscriptionId) as Row | undefined;
    return row === undefined ? null : toRecord(row);
  }

  async put(subscription: PushSubscription): Promise<void> {
    this.#put.run({ ...subscription });
  }

  async remove(calendar: string): Promise<void> {
    this.#remove.run(calendar);
  }

  async list(): Promise<PushSubscription[]> {
    return (this.#list.all() as Row[]).map(toRecord);
  }

  async counts(): Promise<{ active: number; failing: number }> {
    const counts = { active: 0, failing: 0 };
    for (const row of this.#counts.all() as { status: string; n: number }[]) {
      if (row.status === 'active') counts.active += row.n;
      else counts.failing += row.n;
    }
    return counts;
  }

  async close(): Promise<void> {}
}
