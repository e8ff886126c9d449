import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraphReportMailer, sendMailBody } from '../../src/adapters/mail/graph-send-mail.js';
import { FolderReportArchive } from '../../src/adapters/mail/report-folder.js';
import type { ReportDocument } from '../../src/app/ports/report-delivery.js';
import { deliverReport, retryPendingReports } from '../../src/app/send-report.js';
import { PermanentError, TransientError } from '../../src/domain/errors.js';

const BASE = 'https://graph.test/v1.0';
const FROM = 'hanvisa-rapporter@vara.se';
const PATH = '/v1.0/users/hanvisa-rapporter%40vara.se/sendMail';

const DOCUMENT: ReportDocument = {
  id: 'late-entries-bo-2026-03-02--2026-03-08',
  manager: 'bo',
  subject: 'Sena registreringar 2–8 mars 2026 (v. 10)',
  html: '<!DOCTYPE html><p>Sena registreringar</p>',
  attachments: [
    {
      name: 'late-entries-bo-2026-03-02--2026-03-08.csv',
      contentType: 'text/csv; charset=utf-8',
      content: '\uFEFFregel;typ\r\n',
    },
  ],
};

const EXPECTED_BODY = {
  message: {
    subject: 'Sena registreringar 2–8 mars 2026 (v. 10)',
    body: { contentType: 'HTML', content: '<!DOCTYPE html><p>Sena registreringar</p>' },
    toRecipients: [{ emailAddress: { address: 'bo.berg@vara.se' } }],
    attachments: [
      {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'late-entries-bo-2026-03-02--2026-03-08.csv',
        contentType: 'text/csv; charset=utf-8',
        contentBytes: Buffer.from('\uFEFFregel;typ\r\n', 'utf8').toString('base64'),
      },
    ],
  },
  saveToSentItems: false,
};

function tokens() {
  const calls: boolean[] = [];
  return {
    calls,
    provider: {
      async getToken(fresh = false) {
        calls.push(fresh);
        return fresh ? 'token-2' : 'token-1';
      },
    },
  };
}

const folders: string[] = [];
beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
afterAll(() => nock.enableNetConnect());

const mail = {
  to: 'bo.berg@vara.se',
  subject: DOCUMENT.subject,
  html: DOCUMENT.html,
  attachments: DOCUMENT.attachments,
};

describe('GraphReportMailer', () => {
  it('POSTs the exact sendMail body with the bearer token; 202 is success', async () => {
    expect(sendMailBody(mail)).toEqual(EXPECTED_BODY);
    const scope = nock(BASE.replace('/v1.0', ''), { reqheaders: { authorization: 'Bearer token-1' } })
      .post(PATH, EXPECTED_BODY)
      .reply(202);
    await new GraphReportMailer({ baseUrl: BASE, from: FROM, tokens: tokens().provider }).send(mail);
    expect(scope.isDone()).toBe(true);
  });

  it('after a 401 asks for a fresh token once and tries again', async () => {
    const kit = tokens();
    const scope = nock('https://graph.test')
      .post(PATH)
      .reply(401, { error: { code: 'InvalidAuthenticationToken' } });
    const retry = nock('https://graph.test', { reqheaders: { authorization: 'Bearer token-2' } })
      .post(PATH)
      .reply(202);
    await new GraphReportMailer({ baseUrl: BASE, from: FROM, tokens: kit.provider }).send(mail);
    expect(scope.isDone() && retry.isDone()).toBe(true);
    expect(kit.calls).toEqual([false, true]);
  });

  it('a 429 or 5xx is transient (with Retry-After); a 403 is permanent; no message names an address', async () => {
    const mailer = new GraphReportMailer({
      baseUrl: BASE,
      from: FROM,
      tokens: tokens().provider,
      now: () => 0,
    });
    nock('https://graph.test')
      .post(PATH)
      .reply(429, { error: { code: 'ApplicationThrottled' } }, { 'Retry-After': '30' });
    const throttled = await mailer.send(mail).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(TransientError);
    expect((throttled as TransientError).retryAfterMs).toBe(30_000);
    nock('https://graph.test').post(PATH).reply(503, 'Service Unavailable');
    const unavailable = await mailer.send(mail).catch((error: unknown) => error);
    expect(unavailable).toBeInstanceOf(TransientError);
    nock('https://graph.test')
      .post(PATH)
      .reply(403, { error: { code: 'ErrorAccessDenied', message: `Access to ${FROM} denied` } });
    const denied = await mailer.send(mail).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(PermanentError);
    expect((denied as Error).message).toMatch(/HTTP 403, ErrorAccessDenied.*Mail\.Send/);
    for (const error of [throttled, unavailable, denied])
      expect((error as Error).message).not.toMatch(/@|vara\.se/);
  });
});

describe('deliverReport and retryPendingReports (folder + Graph)', () => {
  function setup() {
    const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-mail-'));
    folders.push(dir);
    const archive = new FolderReportArchive(dir);
    const deps = {
      config: { people: new Map([['bo', { id: 'bo', name: 'Bo Berg', email: 'bo.berg@vara.se' }]]) },
      archive,
      mailer: new GraphReportMailer({ baseUrl: BASE, from: FROM, tokens: tokens().provider }),
    };
    return { dir, archive, deps };
  }

  it.each([
    [500, 'HTTP 500'],
    [400, 'HTTP 400'],
  ])(
    'a %i keeps the report in the folder, marks it pending and sends it on a later retry',
    async (status, text) => {
      const { dir, archive, deps } = setup();
      nock('https://graph.test')
        .post(PATH, EXPECTED_BODY)
        .reply(status, { error: { code: 'Boom' } });
      const outcome = await deliverReport(deps, DOCUMENT, 1_000_000);
      expect(outcome.status).toBe('pending');
      expect(outcome.error).toContain(text);
      expect(readdirSync(dir).sort()).toEqual([
        'late-entries-bo-2026-03-02--2026-03-08.csv',
        'late-entries-bo-2026-03-02--2026-03-08.html',
        'late-entries-bo-2026-03-02--2026-03-08.pending.json',
      ]);
      const [pending] = await archive.listPending();
      expect(pending?.document).toEqual(DOCUMENT);
      expect(pending?.nextAttemptAt).toBe(1_000_000 + 5 * 60_000);

      expect(await retryPendingReports(deps, 1_000_000 + 60_000)).toEqual([]);

      nock('https://graph.test').post(PATH, EXPECTED_BODY).reply(503);
      const again = await retryPendingReports(deps, 1_000_000 + 5 * 60_000);
      expect(again.map((item) => item.status)).toEqual(['pending']);
      expect((await archive.listPending())[0]?.attempts).toBe(2);

      const sent = nock('https://graph.test').post(PATH, EXPECTED_BODY).reply(202);
      const last = await retryPendingReports(deps, 1_000_000 + 60 * 60_000);
      expect(last.map((item) => item.status)).toEqual(['mailed']);
      expect(sent.isDone()).toBe(true);
      expect(await archive.listPending()).toEqual([]);
      expect(readdirSync(dir)).toContain('late-entries-bo-2026-03-02--2026-03-08.html');
    },
  );

  it('a manager without an address gets the report in the folder only', async () => {
    const { deps } = setup();
    const outcome = await deliverReport({ ...deps, config: { people: new Map() } }, DOCUMENT, 0);
    expect(outcome.status).toBe('noAddress');
  });
});
