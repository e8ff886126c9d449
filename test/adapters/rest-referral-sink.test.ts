import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RestReferralSink } from '../../src/adapters/sinks/rest-referral-sink.js';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import type { Plan } from '../../src/domain/reconcile.js';
import { type ReferralEntry, referralContentHash, referralEntryId } from '../../src/domain/referral-entry.js';

const BASE = 'https://register.example.test/api';
const START = Date.UTC(2026, 10, 30, 9, 0);

function entry(uid: string): ReferralEntry {
  const content = {
    employee: 'anna',
    extension: '0512-31001',
    reason: 'meeting',
    label: 'Möte',
    mode: 'referred' as const,
    start: START,
    end: START + 3_600_000,
  };
  return {
    ...content,
    id: referralEntryId('anna', 'anna/ics-1', uid, START),
    source: 'calendar',
    sourceRef: { calendar: 'anna/ics-1', uid, recurrenceId: null },
    contentHash: referralContentHash(content),
  };
}

function plan(changes: Partial<Plan>): Plan {
  return {
    calendar: 'anna/ics-1',
    creates: [],
    updates: [],
    deletes: [],
    unchanged: 0,
    refused: null,
    ...changes,
  };
}

describe('rest sink against nock', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  const sink = (auth: ConstructorParameters<typeof RestReferralSink>[0]['auth'] = { kind: 'none' }) =>
    new RestReferralSink({ url: BASE, auth, attempts: 3, retryDelayMs: 1 });

  it('retries a 5xx and succeeds; sends the bearer token', async () => {
    const one = entry('e1');
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer s3cret' } })
      .put(`/referrals/${one.id}`)
      .reply(503)
      .put(`/referrals/${one.id}`, (body) => body.id === one.id && body.label === 'Möte')
      .reply(200, {});
    await sink({ kind: 'bearer', token: 's3cret' }).apply(plan({ creates: [one] }));
    expect(scope.isDone()).toBe(true);
  });

  it('gives up after the attempts with a TransientError that names the entry, not the URL', async () => {
    const one = entry('e1');
    const scope = nock(BASE).put(`/referrals/${one.id}`).times(3).reply(502);
    const failure = await sink()
      .apply(plan({ creates: [one] }))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toContain(one.id);
    expect((failure as Error).message).not.toContain('register.example.test');
    expect(scope.isDone()).toBe(true);
  });

  it('does not retry a 4xx: one request, a PermanentError', async () => {
    const one = entry('e1');
    const scope = nock(BASE).put(`/referrals/${one.id}`).once().reply(400, { error: 'bad' });
    await expect(sink().apply(plan({ creates: [one] }))).rejects.toBeInstanceOf(PermanentError);
    expect(scope.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('says which credentials to check on 401, with basic auth sent', async () => {
    const basic = `Basic ${Buffer.from('hanvisa:pw').toString('base64')}`;
    nock(BASE, { reqheaders: { authorization: basic } })
      .get('/referrals')
      .query({ calendar: 'anna/ics-1' })
      .reply(401);
    await expect(
      sink({ kind: 'basic', user: 'hanvisa', password: 'pw' }).list({ calendar: 'anna/ics-1' }),
    ).rejects.toThrow(/answered 401: check sink.auth/);
  });

  it('counts an entry already gone as deleted (idempotent delete), also when it goes in between', async () => {
    const gone = entry('gone');
    const scope = nock(BASE).get(`/referrals/${gone.id}`).reply(404, { error: 'no entry' });
    await sink().apply(plan({ deletes: [gone] }));
    expect(scope.isDone()).toBe(true);
    const racing = nock(BASE)
      .get(`/referrals/${gone.id}`)
      .reply(200, { ...gone, version: 3 })
      .delete(`/referrals/${gone.id}`)
      .matchHeader('if-match', '"3"')
      .reply(404, { error: 'no entry' });
    await sink().apply(plan({ deletes: [gone] }));
    expect(racing.isDone()).toBe(true);
  });

  it('creates create-only, and leaves a manual entry that holds the id alone', async () => {
    const one = entry('e1');
    const scope = nock(BASE)
      .put(`/referrals/${one.id}`)
      .matchHeader('if-none-match', '*')
      .reply(412, { error: 'If-None-Match: the entry exists' })
      .get(`/referrals/${one.id}`)
      .reply(200, { ...one, source: 'manual', version: 7 });
    await sink().apply(plan({ creates: [one] }));
    expect(scope.isDone()).toBe(true);
  });
});
