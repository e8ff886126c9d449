import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PushSubscriptionStore } from '../ports/push-subscription-store.js';

/**
 * Push metrics, on hanvisa's registry. Labels are kinds and reasons only, never calendar ids.
 * The subscription gauge reads the shared store at scrape time, so every process reports the
 * same totals.
 */
export class PushMetrics {
  readonly received: Counter<'kind'>;
  readonly refused: Counter<'reason'>;
  readonly latency: Histogram;
  readonly subscriptionChanges: Counter<'change'>;

  constructor(registry: Registry, store: PushSubscriptionStore) {
    const registers = [registry];
    this.received = new Counter({
      name: 'hanvisa_push_notifications_received_total',
      help: 'Graph notifications received and verified, by kind (change, missed, reauthorizationRequired, subscriptionRemoved).',
      labelNames: ['kind'],
      registers,
    });
    this.refused = new Counter({
      name: 'hanvisa_push_notifications_refused_total',
      help: 'Graph notifications refused and not acted on, by reason (unknownSubscription, clientState, tenant, malformed).',
      labelNames: ['reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'hanvisa_push_notification_to_referral_seconds',
      help: 'From receiving a change notification to the delta sync it triggered having applied its plan.',
      buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120],
      registers,
    });
    this.subscriptionChanges = new Counter({
      name: 'hanvisa_push_subscription_operations_total',
      help: 'Subscription operations at Graph, by change (created, renewed, removed, failed).',
      labelNames: ['change'],
      registers,
    });
    new Gauge({
      name: 'hanvisa_push_subscriptions',
      help: 'Graph mailboxes by push state: active (notified, safety poll only) or failing (polled normally).',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await store.counts();
        this.set({ state: 'active' }, counts.active);
        this.set({ state: 'failing' }, counts.failing);
      },
    });
  }
}
