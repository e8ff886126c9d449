import { Counter, Gauge, type Registry } from 'prom-client';
import type { Instant } from '../domain/occurrence.js';
import type { DeliveryObserver } from './outbox-delivery.js';
import type { MirrorChange } from './ports/mirror.js';
import type { OutboxStore } from './ports/outbox-store.js';

/**
 * The mirrors' metrics, labelled by mirror name only (a handful of series): changes pending and
 * the age of the oldest (read from the outbox at scrape time), and counters of delivered,
 * failed (tries that will be retried) and dead (parked) changes.
 */
export class OutboxMetrics implements DeliveryObserver {
  readonly deliveredTotal: Counter<'mirror'>;
  readonly failedTotal: Counter<'mirror'>;
  readonly deadTotal: Counter<'mirror'>;

  constructor(registry: Registry, outbox: OutboxStore, mirrors: readonly string[], clock: () => Instant) {
    const registers = [registry];
    this.deliveredTotal = new Counter({
      name: 'hanvisa_mirror_delivered_total',
      help: 'Changes delivered to each mirror.',
      labelNames: ['mirror'],
      registers,
    });
    this.failedTotal = new Counter({
      name: 'hanvisa_mirror_failed_total',
      help: 'Delivery tries that failed and are retried, per mirror.',
      labelNames: ['mirror'],
      registers,
    });
    this.deadTotal = new Counter({
      name: 'hanvisa_mirror_dead_total',
      help: 'Changes parked as dead by this process, per mirror.',
      labelNames: ['mirror'],
      registers,
    });
    const read = async () => {
      const now = clock();
      return Promise.all(mirrors.map(async (mirror) => ({ mirror, stats: await outbox.stats(mirror, now) })));
    };
    new Gauge({
      name: 'hanvisa_mirror_pending',
      help: 'Changes due but not yet delivered, per mirror.',
      labelNames: ['mirror'],
      registers,
      async collect() {
        for (const { mirror, stats } of await read()) this.set({ mirror }, stats.pending);
      },
    });
    new Gauge({
      name: 'hanvisa_mirror_oldest_pending_seconds',
      help: 'Age of the oldest change due but not yet delivered, per mirror.',
      labelNames: ['mirror'],
      registers,
      async collect() {
        for (const { mirror, stats } of await read()) this.set({ mirror }, stats.oldestPendingMs / 1000);
      },
    });
    new Gauge({
      name: 'hanvisa_mirror_dead',
      help: 'Changes parked as dead and kept for IT, per mirror.',
      labelNames: ['mirror'],
      registers,
      async collect() {
        for (const { mirror, stats } of await read()) this.set({ mirror }, stats.dead);
      },
    });
  }

  delivered(mirror: string, _change?: MirrorChange, _now?: Instant): void {
    this.deliveredTotal.inc({ mirror });
  }

  failed(mirror: string): void {
    this.failedTotal.inc({ mirror });
  }

  dead(mirror: string): void {
    this.deadTotal.inc({ mirror });
  }
}
