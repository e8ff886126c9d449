import { readFileSync } from 'node:fs';
import path from 'node:path';
import nock from 'nock';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/graph/presence');

/** A recorded-shape Graph body from fixtures/graph/presence. */
export function presenceFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
}

export interface FakeUser {
  preferred: { availability: string; activity: string; expirationDuration: string } | null;
  message: { content: string; expiryDateTime: { dateTime: string; timeZone: string } | null } | null;
}

const PAIRS = new Set([
  'Available/Available',
  'Busy/Busy',
  'DoNotDisturb/DoNotDisturb',
  'BeRightBack/BeRightBack',
  'Away/Away',
  'Offline/OffWork',
]);

/**
 * Graph's presence endpoints as documented (setUserPreferredPresence, clearUserPreferredPresence,
 * setStatusMessage: 200 with no body; GET presence: the presence resource, without the status
 * message's expiry as for another user), on nock, with a memory of each user's presence.
 * `failures` answers the next requests with a fixture's status and body instead.
 */
export class FakeGraphPresence {
  readonly users = new Map<string, FakeUser>();
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  readonly failures: { status: number; fixture: string; retryAfter?: string }[] = [];
  readonly #scope: nock.Scope;

  constructor(origin: string, prefix = '/v1.0') {
    const user = (uri: string) => decodeURIComponent(uri.split('/users/')[1]?.split('/')[0] ?? '');
    const state = (id: string): FakeUser => {
      let found = this.users.get(id);
      if (found === undefined) {
        found = { preferred: null, message: null };
        this.users.set(id, found);
      }
      return found;
    };
    const fail = () => {
      const failure = this.failures.shift();
      if (failure === undefined) return null;
      return [
        failure.status,
        presenceFixture(failure.fixture),
        failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter },
      ] as [number, unknown, Record<string, string>];
    };
    this.#scope = nock(origin)
      .persist()
      .post(new RegExp(`^${prefix}/users/[^/]+/presence/\\w+$`))
      .reply((uri, body) => {
        this.requests.push({ method: 'POST', path: uri, body });
        const failed = fail();
        if (failed !== null) return failed;
        const id = user(uri);
        const action = uri.split('/').pop();
        const parsed = body as Record<string, unknown>;
        if (action === 'setUserPreferredPresence') {
          if (!PAIRS.has(`${parsed.availability}/${parsed.activity}`)) {
            return [400, { error: { code: 'BadRequest', message: 'Invalid availability and activity.' } }];
          }
          state(id).preferred = parsed as FakeUser['preferred'];
        } else if (action === 'clearUserPreferredPresence') {
          state(id).preferred = null;
        } else if (action === 'setStatusMessage') {
          const message = (parsed.statusMessage as {
            message: { content: string };
            expiryDateTime?: { dateTime: string; timeZone: string };
          }) ?? { message: { content: '' } };
          state(id).message =
            message.message.content === ''
              ? null
              : { content: message.message.content, expiryDateTime: message.expiryDateTime ?? null };
        } else {
          return [404, presenceFixture('error-404-not-found')];
        }
        return [200, ''];
      })
      .get(new RegExp(`^${prefix}/users/[^/]+/presence$`))
      .reply((uri) => {
        this.requests.push({ method: 'GET', path: uri, body: null });
        const failed = fail();
        if (failed !== null) return failed;
        const found = state(user(uri));
        const base = presenceFixture('get-presence-none') as Record<string, unknown>;
        return [
          200,
          {
            ...base,
            availability: found.preferred?.availability ?? 'Available',
            activity: found.preferred?.activity ?? 'Available',
            statusMessage:
              found.message === null
                ? null
                : { message: { content: found.message.content, contentType: 'text' } },
          },
        ];
      });
  }

  done(): void {
    this.#scope.persist(false);
    nock.cleanAll();
  }
}
