import type { CalendarRef } from '../../app/ports/calendar-source.js';
import type { CreatedSubscription, PushSubscriptionApi } from '../../app/ports/push-subscription-api.js';
import { TransientError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';
import { graphErrorCode, graphFailure, type RequestSubject } from './graph-errors.js';
import type { GraphHttp } from './graph-http.js';

export interface GraphSubscriptionOptions {
  readonly http: GraphHttp;
  readonly clientId: string;
  /** Where Graph posts change notifications, e.g. https://hanvisa.vara.se/graph/notifications. */
  readonly notificationUrl: string;
  /** Where Graph posts lifecycle notifications (reauthorizationRequired, subscriptionRemoved, missed). */
  readonly lifecycleNotificationUrl: string;
}

/** The subscription Graph answers with (only what hanvisa reads). */
interface SubscriptionBody {
  readonly id?: unknown;
  readonly expirationDateTime?: unknown;
}

function parseCreated(body: unknown, subject: RequestSubject): CreatedSubscription {
  const value = (body ?? {}) as SubscriptionBody;
  const expiresAt = typeof value.expirationDateTime === 'string' ? Date.parse(value.expirationDateTime) : NaN;
  if (typeof value.id !== 'string' || value.id === '' || Number.isNaN(expiresAt)) {
    throw new TransientError(
      `${subject.label}: Graph answered a subscription request without an id or expiry`,
    );
  }
  return { id: value.id, expiresAt };
}

/**
 * Graph change-notification subscriptions on `/users/{id}/events` (created, updated, deleted),
 * through the process's one Graph connection (token, limits, bounded retry). Graph runs the
 * validation handshake against both URLs while `create` waits; a URL that does not answer makes
 * Graph refuse with 400, which is reported as a permanent error that names `push.publicUrl`.
 * Needs the application permission Calendars.Read (the same as delta).
 */
export function createGraphSubscriptions(options: GraphSubscriptionOptions): PushSubscriptionApi {
  const { http } = options;
  const subjectOf = (calendar: CalendarRef | null): RequestSubject => ({
    label: calendar === null ? 'push subscription' : `push subscription of calendar ${calendar.id}`,
    clientId: options.clientId,
  });
  return {
    async create(calendar, request) {
      const subject = subjectOf(calendar);
      const response = await http.write('POST', '/subscriptions', {
        mailbox: calendar.address,
        subject,
        body: {
          changeType: 'created,updated,deleted',
          notificationUrl: options.notificationUrl,
          lifecycleNotificationUrl: options.lifecycleNotificationUrl,
          resource: `/users/${encodeURIComponent(calendar.address)}/events`,
          expirationDateTime: new Date(request.expiresAt).toISOString(),
          clientState: request.clientState,
          latestSupportedTlsVersion: 'v1_2',
        },
      });
      if (response.status === 201 || response.status === 200) return parseCreated(response.body, subject);
      if (response.status === 400 && /validation/i.test(JSON.stringify(response.body ?? ''))) {
        throw graphFailure(400, response.body, {
          ...subject,
          label: `${subject.label}: Graph could not reach push.publicUrl for the validation handshake`,
        });
      }
      throw graphFailure(response.status, response.body, subject);
    },
    async renew(calendar, subscriptionId, expiresAt: Instant) {
      const subject = subjectOf(calendar);
      const response = await http.write('PATCH', `/subscriptions/${encodeURIComponent(subscriptionId)}`, {
        mailbox: calendar.address,
        subject,
        body: { expirationDateTime: new Date(expiresAt).toISOString() },
      });
      if (response.status === 200) return parseCreated(response.body, subject);
      if (response.status === 404 || graphErrorCode(response.body) === 'ResourceNotFound') return 'gone';
      throw graphFailure(response.status, response.body, subject);
    },
    async remove(calendar, subscriptionId) {
      const subject = subjectOf(calendar);
      const response = await http.write('DELETE', `/subscriptions/${encodeURIComponent(subscriptionId)}`, {
        mailbox: calendar?.address ?? 'subscriptions',
        subject,
      });
      if (response.status === 204 || response.status === 200 || response.status === 404) return;
      throw graphFailure(response.status, response.body, subject);
    },
  };
}
