import type { MirrorChange } from '../../app/ports/mirror.js';
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

interface Row {
  change: MirrorChange;
  status: 'pending' | 'delivered' | 'dead';
  nextAttemptAt: Instant;
  error: string | null;
}

/** The outbox in memory: the fake for tests and benchmarks, held to the same contract. */
export class MemoryOutboxStore implements OutboxStore {
  readonly entryMirrors: readonly string[];
  readonly rows: Row[] = [];
  readonly #state = new Map<string, unknown>();
  #seq = 0;

  constructor(options: { entryMirrors: readonly string[] }) {
    this.entryMirrors = options.entryMirrors;
  }

  async recordEntryChanges(
    previous: ReferralEntry | null,
    next: ReferralEntry | null,
    now: Instant,
  ): Promise<number> {
    if (this.entryMirrors.length === 0) return 0;
    const changes = plannedChanges(previous, next, now);
    if (changes.length === 0) return 0;
    const ref = (next ?? previous)?.id as string;
    let added = 0;
    for (const mirror of this.entryMirrors) {
      for (let index = this.rows.length - 1; index >= 0; index--) {
        const row = this.rows[index] as Row;
        const { change } = row;
        if (
          change.mirror === mirror &&
          change.ref === ref &&
          row.status === 'pending' &&
          (change.change === 'current' || change.change === 'ended') &&
          change.occurredAt > now
        )
          this.rows.splice(index, 1);
      }
      for (const item of changes) {
        this.#push(
          {
            mirror,
            employee: item.entry.employee,
            ref,
            change: item.change,
            occurredAt: item.occurredAt,
            recordedAt: now,
            entry: mirrorEntry(item.entry),
            notice: null,
          },
          item.occurredAt,
        );
        added++;
      }
    }
    return added;
  }

  async recordNotices(mirror: string, notices: readonly NoticeRecord[], now: Instant): Promise<number> {
    let added = 0;
    for (const item of notices) {
      if (this.rows.some((row) => row.change.mirror === mirror && row.change.ref === item.ref)) continue;
      this.#push(
        {
          mirror,
          employee: item.employee,
          ref: item.ref,
          change: item.change,
          occurredAt: now,
          recordedAt: now,
          entry: null,
          notice: item.notice,
        },
        Math.max(now, item.notBefore),
      );
      added++;
    }
    return added;
  }

  #push(change: Omit<MirrorChange, 'seq' | 'version' | 'attempts'>, nextAttemptAt: Instant): void {
    this.#seq++;
    this.rows.push({
      change: { ...change, seq: this.#seq, version: this.#seq, attempts: 0 },
      status: 'pending',
      nextAttemptAt,
      error: null,
    });
  }

  #headRow(mirror: string, employee: string): Row | undefined {
    let best: Row | undefined;
    for (const row of this.rows) {
      if (row.status !== 'pending' || row.change.mirror !== mirror || row.change.employee !== employee)
        continue;
      if (
        best === undefined ||
        row.change.occurredAt < best.change.occurredAt ||
        (row.change.occurredAt === best.change.occurredAt && row.change.seq < best.change.seq)
      )
        best = row;
    }
    return best;
  }

  async head(mirror: string, employee: string, now: Instant): Promise<MirrorChange | null> {
    const row = this.#headRow(mirror, employee);
    if (row === undefined || row.change.occurredAt > now || row.nextAttemptAt > now) return null;
    return row.change;
  }

  async nextDueAt(mirror: string, employee: string): Promise<Instant | null> {
    const row = this.#headRow(mirror, employee);
    return row === undefined ? null : Math.max(row.change.occurredAt, row.nextAttemptAt);
  }

  async dueEmployees(mirror: string, now: Instant, limit: number): Promise<string[]> {
    const due = new Map<string, Instant>();
    for (const row of this.rows) {
      if (row.status !== 'pending' || row.change.mirror !== mirror || row.nextAttemptAt > now) continue;
      const known = due.get(row.change.employee);
      if (known === undefined || row.nextAttemptAt < known) due.set(row.change.employee, row.nextAttemptAt);
    }
    return [...due.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([employee]) => employee);
  }

  #row(seq: number): Row | undefined {
    return this.rows.find((row) => row.change.seq === seq && row.status === 'pending');
  }

  async markDelivered(seq: number): Promise<void> {
    const row = this.#row(seq);
    if (row !== undefined) row.status = 'delivered';
  }

  async markFailed(seq: number, failure: DeliveryFailure): Promise<void> {
    const row = this.#row(seq);
    if (row === undefined) return;
    if (failure.kind === 'defer') {
      row.nextAttemptAt = failure.until;
      return;
    }
    row.change = { ...row.change, attempts: row.change.attempts + 1 };
    row.error = failure.error;
    if (failure.kind === 'retry') row.nextAttemptAt = failure.nextAttemptAt;
    else row.status = 'dead';
  }

  async stats(mirror: string, now: Instant): Promise<OutboxStats> {
    let pending = 0;
    let oldest: number | null = null;
    let dead = 0;
    for (const row of this.rows) {
      if (row.change.mirror !== mirror) continue;
      if (row.status === 'dead') dead++;
      if (row.status === 'pending' && row.change.occurredAt <= now) {
        pending++;
        if (oldest === null || row.change.occurredAt < oldest) oldest = row.change.occurredAt;
      }
    }
    return { pending, oldestPendingMs: oldest === null ? 0 : now - oldest, dead };
  }

  async listDead(mirror: string, limit: number): Promise<MirrorChange[]> {
    return this.rows
      .filter((row) => row.change.mirror === mirror && row.status === 'dead')
      .map((row) => row.change)
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit);
  }

  async getMirrorState(mirror: string, employee: string): Promise<unknown | null> {
    return this.#state.get(`${mirror}\u0000${employee}`) ?? null;
  }

  async putMirrorState(mirror: string, employee: string, state: unknown | null): Promise<void> {
    if (state === null) this.#state.delete(`${mirror}\u0000${employee}`);
    else this.#state.set(`${mirror}\u0000${employee}`, state);
  }

  async prune(cutoffs: { readonly delivered: Instant; readonly kept: Instant }): Promise<number> {
    let removed = 0;
    for (let index = this.rows.length - 1; index >= 0; index--) {
      const row = this.rows[index] as Row;
      const notice = row.change.notice !== null;
      const before = row.status === 'delivered' && !notice ? cutoffs.delivered : cutoffs.kept;
      if (row.status !== 'pending' && row.change.recordedAt < before) {
        this.rows.splice(index, 1);
        removed++;
      }
    }
    return removed;
  }
}
