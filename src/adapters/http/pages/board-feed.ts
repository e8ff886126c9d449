import type { ReferralSink } from '../../../app/ports/referral-sink.js';
import { describeError } from '../../../app/privacy.js';
import type { Instant } from '../../../domain/occurrence.js';
import { type BoardAnswer, BoardIndex } from './board-index.js';
import type { PageEmployee } from './page-deps.js';

/**
 * Keeps the board's index in step with the register: re-reads it at most every `refreshMs`
 * (when someone searches, and on a timer while a board listens for updates), and tells the
 * listeners when what the board shows has changed. It works the same in both runtimes: a sync
 * on any worker shows up here because the register changed, not because this process ran it.
 */
export class BoardFeed {
  readonly index: BoardIndex;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | null = null;
  private readonly listeners = new Set<(version: string) => void>();
  private timer: NodeJS.Timeout | null = null;
  /** The last failure to read the register (shown on the board), or null. */
  problem: string | null = null;

  constructor(
    employees: Iterable<PageEmployee>,
    timeZone: string,
    private readonly sink: Pick<ReferralSink, 'list'>,
    private readonly refreshMs: number,
    private readonly clock: () => Instant,
  ) {
    this.index = new BoardIndex(employees, timeZone);
  }

  /** Re-reads the register now; notifies listeners when the board's content changed. */
  refresh(): Promise<void> {
    if (this.loading !== null) return this.loading;
    this.loading = (async () => {
      try {
        const entries = await this.sink.list({});
        const changed = this.index.setEntries(entries);
        this.loadedAt = this.clock();
        this.problem = null;
        if (changed) for (const listener of this.listeners) listener(this.index.version);
      } catch (error) {
        this.problem = `kunde inte läsa hänvisningsregistret: ${describeError(error)}`;
        this.loadedAt = this.clock();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Reads the register once if it was never read (a new board's first answer needs it). */
  async ensureLoaded(): Promise<void> {
    if (this.loadedAt === Number.NEGATIVE_INFINITY) await this.refresh();
  }

  /**
   * Searches the index as it is; when the last read of the register is older than `refreshMs`
   * a re-read starts in the background (only the very first search waits for it), so a search
   * never pays for reading the whole register.
   */
  async search(query: string, limit?: number): Promise<BoardAnswer & { readonly problem: string | null }> {
    const now = this.clock();
    if (this.loadedAt === Number.NEGATIVE_INFINITY) await this.refresh();
    else if (now - this.loadedAt >= this.refreshMs) void this.refresh();
    return { ...this.index.search(query, now, limit), problem: this.problem };
  }

  /**
   * Re-reads one calendar's entries after it synced in this process (an indexed read of a few
   * entries, instead of the whole register) and tells the listeners when the board changed.
   */
  async calendarSynced(calendar: string): Promise<void> {
    try {
      const entries = await this.sink.list({ calendar });
      if (this.loadedAt === Number.NEGATIVE_INFINITY) return;
      if (this.index.setCalendar(calendar, entries))
        for (const listener of this.listeners) listener(this.index.version);
    } catch (error) {
      this.problem = `kunde inte läsa hänvisningsregistret: ${describeError(error)}`;
    }
  }

  /** Listens for changes; the timer runs only while someone listens. Returns the unsubscribe. */
  listen(listener: (version: string) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === null) {
      this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
