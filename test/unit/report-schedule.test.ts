import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { MemoryReportArchive } from '../../src/adapters/mail/memory-report-archive.js';
import { MemoryReportMailer } from '../../src/adapters/mail/memory-report-mailer.js';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import type { Employee, Person } from '../../src/app/config/load-config.js';
import { latestSlot, sendDueReports } from '../../src/app/report-schedule.js';
import { nextAttemptAt, retryPendingReports } from '../../src/app/send-report.js';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import { TransientError } from '../../src/domain/errors.js';

const ZONE = 'Europe/Stockholm';
const t = (local: string) => DateTime.fromISO(local, { zone: ZONE }).toMillis();

describe('latestSlot', () => {
  it.each([
    ['Monday 07:00 exactly', '2026-03-09T07:00', '2026-03-09T07:00', '2026-03-02T00:00', '2026-03-09T00:00'],
    [
      'Monday 06:59 (still last week’s slot)',
      '2026-03-09T06:59',
      '2026-03-02T07:00',
      '2026-02-23T00:00',
      '2026-03-02T00:00',
    ],
    ['Wednesday', '2026-03-11T12:00', '2026-03-09T07:00', '2026-03-02T00:00', '2026-03-09T00:00'],
    [
      'the Monday after spring forward',
      '2026-03-30T08:00',
      '2026-03-30T07:00',
      '2026-03-23T00:00',
      '2026-03-30T00:00',
    ],
    [
      'the Monday after fall back',
      '2026-10-26T07:30',
      '2026-10-26T07:00',
      '2026-10-19T00:00',
      '2026-10-26T00:00',
    ],
  ])('%s', (_name, now, slot, from, to) => {
    expect(latestSlot('0 7 * * 1', ZONE, t(now))).toEqual({ slot: t(slot), from: t(from), to: t(to) });
  });

  it('covers the previous day with a daily schedule', () => {
    expect(latestSlot('30 6 * * *', ZONE, t('2026-03-10T09:00'))).toEqual({
      slot: t('2026-03-10T06:30'),
      from: t('2026-03-09T00:00'),
      to: t('2026-03-10T00:00'),
    });
  });

  it('backs off failed mails: 5 min, doubling, at most 6 h, longer when the server asks', () => {
    expect(nextAttemptAt(0, 1, null)).toBe(5 * 60_000);
    expect(nextAttemptAt(0, 3, null)).toBe(20 * 60_000);
    expect(nextAttemptAt(0, 20, null)).toBe(6 * 60 * 60_000);
    expect(nextAttemptAt(0, 1, 3_600_000)).toBe(3_600_000);
  });
});

describe('sendDueReports', () => {
  function setup() {
    const codes = compileCodeTable(
      [{ code: 'MÖT', aliases: [], reason: 'meeting', label: 'Möte', planned: true }],
      {
        position: 'prefix',
        referred: [':'],
        infoOnly: [';'],
        marker: '#',
        notCodes: [],
      },
    );
    const employees = new Map<string, Employee>([
      ['anna', { id: 'anna', name: 'Anna Andersson', email: null, extension: '1', manager: 'bo' }],
      ['lars', { id: 'lars', name: 'Lars Lind', email: null, extension: '2', manager: 'karin' }],
    ]);
    const people = new Map<string, Person>([
      ['bo', { id: 'bo', name: 'Bo Berg', email: 'bo.berg@vara.se' }],
      ['karin', { id: 'karin', name: 'Karin Kvist', email: null }],
    ]);
    const state = new MemoryStateStore();
    const archive = new MemoryReportArchive();
    const mailer = new MemoryReportMailer();
    const deps = {
      config: {
        timeZone: ZONE,
        codes,
        employees,
        people,
        rules: {
          lateEntry: { enabled: true, deadline: '08:00', countInvited: false },
          unknownCode: { enabled: true },
          missingCode: {
            enabled: false,
            workingHours: { from: '08:00', to: '17:00' },
            workingDays: [1, 2, 3, 4, 5],
          },
          findingsRetentionDays: 400,
        },
        reports: { schedule: '0 7 * * 1' },
      },
      state,
      archive,
      mailer,
    };
    return { deps, state, archive, mailer };
  }

  it('records the first slot without back-dated reports, then sends each slot once per manager', async () => {
    const { deps, state, archive, mailer } = setup();
    await state.addFindings([
      {
        key: 'k1',
        rule: 'lateEntry',
        kind: 'late',
        employee: 'anna',
        calendar: 'anna/ics-1',
        eventUid: 'e1',
        occurrenceStart: t('2026-03-10T10:00'),
        foundAt: t('2026-03-10T09:05'),
        details: {
          code: 'MÖT',
          enteredAt: t('2026-03-10T09:00'),
          deadline: t('2026-03-10T08:00'),
          approximate: false,
        },
      },
    ]);
    const first = await sendDueReports(deps, t('2026-03-11T12:00'));
    expect(first).toMatchObject({ slot: null, delivered: [], errors: [] });
    expect(await sendDueReports(deps, t('2026-03-16T06:55'))).toMatchObject({ slot: null, delivered: [] });

    const due = await sendDueReports(deps, t('2026-03-16T07:00'));
    expect(due.slot).toEqual({
      slot: t('2026-03-16T07:00'),
      from: t('2026-03-09T00:00'),
      to: t('2026-03-16T00:00'),
    });
    expect(due.delivered.map((outcome) => [outcome.manager, outcome.status])).toEqual([
      ['bo', 'mailed'],
      ['karin', 'noAddress'],
    ]);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe('bo.berg@vara.se');
    expect(mailer.sent[0]?.subject).toBe('Sena registreringar 9–15 mars 2026 (v. 11)');
    expect(mailer.sent[0]?.html).toContain('Anna Andersson');
    expect([...archive.documents.keys()]).toEqual([
      'late-entries-bo-2026-03-09--2026-03-15',
      'late-entries-karin-2026-03-09--2026-03-15',
    ]);
    expect(await sendDueReports(deps, t('2026-03-16T07:05'))).toMatchObject({ slot: null, delivered: [] });
    expect(mailer.sent).toHaveLength(1);
  });

  it('keeps a report whose mail failed and sends it when the retry is due', async () => {
    const { deps, archive, mailer } = setup();
    await archive.recordScheduledRun(t('2026-03-09T07:00'));
    mailer.failWith = new TransientError('Graph sendMail from reports.mail.from failed (HTTP 503)');
    const failed = await sendDueReports(deps, t('2026-03-16T07:00'));
    expect(failed.delivered.find((outcome) => outcome.manager === 'bo')?.status).toBe('pending');
    expect(failed.errors).toEqual([
      'report late-entries-bo-2026-03-09--2026-03-15 for manager bo: Graph sendMail from reports.mail.from failed (HTTP 503)',
    ]);
    expect((await archive.listPending()).map((item) => item.document.id)).toEqual([
      'late-entries-bo-2026-03-09--2026-03-15',
    ]);
    mailer.failWith = null;
    expect(await retryPendingReports(deps, t('2026-03-16T07:01'))).toEqual([]);
    const retried = await retryPendingReports(deps, t('2026-03-16T07:05'));
    expect(retried.map((outcome) => outcome.status)).toEqual(['mailed']);
    expect(await archive.listPending()).toEqual([]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('never throws: a broken schedule comes back as an error naming the setting', async () => {
    const { deps } = setup();
    const result = await sendDueReports(
      { ...deps, config: { ...deps.config, reports: { schedule: 'every monday' } } },
      0,
    );
    expect(result.errors[0]).toMatch(
      /^scheduled reports: reports\.schedule "every monday" is not a cron expression/,
    );
  });
});
