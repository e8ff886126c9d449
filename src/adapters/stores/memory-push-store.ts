import type { PushSubscription, PushSubscriptionStore } from '../../app/ports/push-subscription-store.js';

/** In-memory push subscriptions: the fake for tests and benchmarks, held to the store contract. */
export class MemoryPushStore implements PushSubscriptionStore {
  readonly #byCalendar = new Map<string, PushSubscription>();
  readonly #byId = new Map<string, string>();
  readonly #notified = new Map<string, number>();

  async markNotified(calendar: string, at: number): Promise<void> {
    if (!this.#notified.has(calendar)) this.#notified.set(calendar, at);
  }

  async takeNotified(calendar: string): Promise<number | null> {
    const at = this.#notified.get(calendar);
    this.#notified.delete(calendar);
    return at ?? null;
  }

  async get(calendar: string): Promise<PushSubscription | null> {
    return this.#byCalendar.get(calendar) ?? null;
  }

  async bySubscriptionId(subscriptionId: string): Promise<PushSubscription | null> {
    const calendar = this.#byId.get(subscriptionId);
    return calendar === undefined ? null : (this.#byCalendar.get(calendar) ?? null);
  }

  async put(subscription: PushSubscription): Promise<void> {
    const before = this.#byCalendar.get(subscription.calendar);
    if (before?.subscriptionId != null) this.#byId.delete(before.subscriptionId);
    this.#byCalendar.set(subscription.calendar, subscription);
    if (subscription.subscriptionId !== null)
      this.#byId.set(subscription.subscriptionId, subscription.calendar);
  }

  async remove(calendar: string): Promise<void> {
    const before = this.#byCalendar.get(calendar);
    if (before?.subscriptionId != null) this.#byId.delete(before.subscriptionId);
    this.#byCalendar.delete(calendar);
  }

  async list(): Promise<PushSubscription[]> {
    return [...this.#byCalendar.values()];
  }

  async counts(): Promise<{ active: number; failing: number }> {
    let active = 0;
    let failing = 0;
    for (const item of this.#byCalendar.values()) {
      if (item.status === 'active') active++;
      else failing++;
    }
    return { active, failing };
  }

  async close(): Promise<void> {}
}
