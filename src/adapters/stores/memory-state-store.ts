import type { CalendarSyncState, Finding, FindingQuery, StateStore } from '../../app/ports/state-store.js';
import type { Instant } from '../../domain/occurrence.js';

/** In-memory state store: the fake for tests and benchmarks, held to the same contract as SQLite and Redis. */
export class MemoryStateStore implements StateStore {
  readonly #states = new Map<string, CalendarSyncState>();
  readonly #seen = new Map<string, Instant>();
  readonly #findings = new Map<string, Finding>();
  readonly #secrets: Map<string, string>;

  /** `secrets`: values `ensureSecret` starts with (tests that need a known uid key). */
  constructor(options: { secrets?: Readonly<Record<string, string>> } = {}) {
    this.#secrets = new Map(Object.entries(options.secrets ?? {}));
  }

  async getSyncState(calendar: string): Promise<CalendarSyncState | null> {
    return this.#states.get(calendar) ?? null;
  }

  async putSyncState(state: CalendarSyncState): Promise<void> {
    this.#states.set(state.calendar, state);
  }

  async deleteSyncState(calendar: string): Promise<void> {
    this.#states.delete(calendar);
  }

  async ensureSecret(name: string, candidate: string): Promise<string> {
    const stored = this.#secrets.get(name);
    if (stored !== undefined) return stored;
    this.#secrets.set(name, candidate);
    return candidate;
  }

  async markSeen(keys: readonly string[], now: Instant): Promise<Map<string, Instant>> {
    const result = new Map<string, Instant>();
    for (const key of keys) {
      let seenAt = this.#seen.get(key);
      if (seenAt === undefined) {
        seenAt = now;
        this.#seen.set(key, now);
      }
      result.set(key, seenAt);
    }
    return result;
  }

  async addFindings(findings: readonly Finding[]): Promise<number> {
    let added = 0;
    for (const finding of findings) {
      if (this.#findings.has(finding.key)) continue;
      this.#findings.set(finding.key, finding);
      added++;
    }
    return added;
  }

  async listFindings(query: FindingQuery): Promise<Finding[]> {
    return [...this.#findings.values()]
      .filter(
        (finding) =>
          finding.occurrenceStart >= query.from &&
          finding.occurrenceStart < query.to &&
          (query.rule === undefined || finding.rule === query.rule) &&
          (query.employees === undefined || query.employees.includes(finding.employee)),
      )
      .sort((a, b) => a.occurrenceStart - b.occurrenceStart || (a.key < b.key ? -1 : 1));
  }

  async pruneSeen(before: Instant): Promise<number> {
    let pruned = 0;
    for (const [key, seenAt] of this.#seen) {
      if (seenAt < before) {
        this.#seen.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  async pruneFindings(before: Instant): Promise<number> {
    let pruned = 0;
    for (const [key, finding] of this.#findings) {
      if (finding.occurrenceStart < before) {
        this.#findings.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  async close(): Promise<void> {}
}
