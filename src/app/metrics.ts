import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CalendarSyncResult } from './sync-calendar.js';

/** What the queue gauges read at scrape time (the distributed runtime provides it). */
export interface QueueProbe {
  /** Jobs per state of each queue, e.g. `{ sync: { waiting: 3, active: 1, delayed: 0 } }`. */
  depth(): Promise<Record<string, Record<string, number>>>;
  /** Age in seconds of the oldest waiting job per queue (0 when none waits). */
  oldestWaitingSeconds(): Promise<Record<string, number>>;
}

/**
 * hanvisa's Prometheus metrics, on a registry of their own (never prom-client's global one, so
 * tests and several runtimes in one process do not collide). Labels carry statuses and queue
 * names only, never calendar ids: 50,000 calendars would be 50,000 series.
 */
export class HanvisaMetrics {
  readonly registry = new Registry();
  readonly syncDuration: Histogram<'status'>;
  readonly calendarsSynced: Counter<'status'>;
  readonly calendarsFailed: Counter;
  readonly entries: Counter<'change'>;
  readonly graphThrottled: Counter;
  readonly jobsCompleted: Counter<'queue'>;
  #probe: QueueProbe | null = null;

  constructor() {
    const registers = [this.registry];
    this.syncDuration = new Histogram({
      name: 'hanvisa_sync_duration_seconds',
      help: 'Time to sync one calendar (fetch, plan, apply, remember).',
      labelNames: ['status'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.calendarsSynced = new Counter({
      name: 'hanvisa_calendars_synced_total',
      help: 'Calendar sync rounds that succeeded, by status (synced, unchanged).',
      labelNames: ['status'],
      registers,
    });
    this.calendarsFailed = new Counter({
      name: 'hanvisa_calendars_failed_total',
      help: 'Calendar sync rounds that failed or whose plan was refused.',
      registers,
    });
    this.entries = new Counter({
      name: 'hanvisa_referral_entries_total',
      help: 'Referral entries written to the register, by change (created, updated, deleted).',
      labelNames: ['change'],
      registers,
    });
    this.graphThrottled = new Counter({
      name: 'hanvisa_graph_throttled_total',
      help: 'Graph 429 answers that paused the sync queue.',
      registers,
    });
    this.jobsCompleted = new Counter({
      name: 'hanvisa_jobs_completed_total',
      help: 'Queue jobs completed by this process, by queue.',
      labelNames: ['queue'],
      registers,
    });
    const probe = () => this.#probe;
    new Gauge({
      name: 'hanvisa_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, failed).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        const current = probe();
        if (current === null) return;
        this.reset();
        for (const [queue, states] of Object.entries(await current.depth())) {
          for (const [state, count] of Object.entries(states)) this.set({ queue, state }, count);
        }
      },
    });
    new Gauge({
      name: 'hanvisa_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job waiting in each queue.',
      labelNames: ['queue'],
      registers,
      async collect() {
        const current = probe();
        if (current === null) return;
        this.reset();
        for (const [queue, seconds] of Object.entries(await current.oldestWaitingSeconds())) {
          this.set({ queue }, seconds);
        }
      },
    });
  }

  /** Connects the queue gauges (distributed runtime only). */
  setQueueProbe(probe: QueueProbe): void {
    this.#probe = probe;
  }

  /** Records one calendar's round. */
  recordSync(result: CalendarSyncResult, durationMs: number): void {
    this.syncDuration.observe({ status: result.status }, durationMs / 1000);
    if (result.status === 'failed' || result.status === 'refused') {
      this.calendarsFailed.inc();
      return;
    }
    this.calendarsSynced.inc({ status: result.status });
    if (result.created > 0) this.entries.inc({ change: 'created' }, result.created);
    if (result.updated > 0) this.entries.inc({ change: 'updated' }, result.updated);
    if (result.deleted > 0) this.entries.inc({ change: 'deleted' }, result.deleted);
  }
}
