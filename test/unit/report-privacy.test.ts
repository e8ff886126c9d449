import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/adapters/stores/memory-state-store.js';
import { buildReports, reportDocument } from '../../src/app/build-report.js';
import type { Employee, Person } from '../../src/app/config/load-config.js';
import { createRuleRunner } from '../../src/app/rule-runner.js';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import { desiredEntries } from '../../src/domain/desired-entries.js';
import type { Occurrence } from '../../src/domain/occurrence.js';
import { reportCsv } from '../../src/domain/report/report-csv.js';
import { reportHtml } from '../../src/domain/report/report-html.js';
import { reportJson } from '../../src/domain/report/report-json.js';

const ZONE = 'Europe/Stockholm';
const t = (local: string) => DateTime.fromISO(local, { zone: ZONE }).toMillis();
const SECRET_WORDS = [
  'Hemlig',
  'uppsägning',
  'Storgatan',
  'Kalle',
  'Tandläkare',
  'Sjukskrivning',
  'Personalärende',
];

describe('no subject text reaches a report', () => {
  it('holds for every format, the mail subject and the stored findings', async () => {
    const codes = compileCodeTable(
      [
        { code: 'MÖT', aliases: [], reason: 'meeting', label: 'Möte', planned: true },
        { code: 'LUN', aliases: [], reason: 'lunch', label: 'Lunch', planned: false },
      ],
      { position: 'prefix', referred: [':'], infoOnly: [';'], marker: '#', notCodes: [] },
    );
    const employees = new Map<string, Employee>([
      ['anna', { id: 'anna', name: 'Anna Andersson', email: null, extension: '1', manager: 'bo' }],
    ]);
    const people = new Map<string, Person>([
      ['bo', { id: 'bo', name: 'Bo Berg', email: 'bo.berg@vara.se' }],
      ['anna', { id: 'anna', name: 'Anna Andersson', email: null }],
    ]);
    const config = {
      timeZone: ZONE,
      codes,
      policy: { codes, private: 'referCodeOnly' as const, fallback: {} },
      rules: {
        lateEntry: { enabled: true, deadline: '08:00', countInvited: true },
        unknownCode: { enabled: true },
        missingCode: {
          enabled: true,
          workingHours: { from: '08:00', to: '17:00' },
          workingDays: [1, 2, 3, 4, 5],
        },
        findingsRetentionDays: 400,
      },
      employees,
      people,
    };
    const base = {
      recurrenceId: null,
      allDay: false,
      status: 'confirmed' as const,
      showAs: 'busy' as const,
      private: false,
      modifiedAt: null,
      organizerIsSelf: true,
    };
    const occurrences: Occurrence[] = [
      {
        ...base,
        uid: 'e1',
        start: t('2026-03-03T10:00'),
        end: t('2026-03-03T11:00'),
        createdAt: t('2026-03-03T09:00'),
        subject: 'MÖT: Hemlig uppsägning Storgatan',
      },
      {
        ...base,
        uid: 'e2',
        start: t('2026-03-03T11:00'),
        end: t('2026-03-03T12:00'),
        createdAt: t('2026-03-03T09:00'),
        subject: 'MÖT: Personalärende Kalle',
        private: true,
        organizerIsSelf: false,
      },
      {
        ...base,
        uid: 'e3',
        start: t('2026-03-03T08:30'),
        end: t('2026-03-03T09:00'),
        createdAt: t('2026-03-01T09:00'),
        subject: 'Tandläkare',
      },
      {
        ...base,
        uid: 'e4',
        start: t('2026-03-03T09:00'),
        end: t('2026-03-03T09:30'),
        createdAt: t('2026-03-01T09:00'),
        subject: 'MTÖ: Sjukskrivning Kalle',
      },
    ];
    const state = new MemoryStateStore();
    const run = createRuleRunner(config, state);
    const desired = desiredEntries(
      occurrences,
      { employee: 'anna', extension: '1', calendar: 'anna/ics-1' },
      config.policy,
      'test-uid-key',
    );
    const now = t('2026-03-03T09:10');
    const findings = await run({
      calendar: { id: 'anna/ics-1', employee: 'anna', kind: 'ics', address: '/secret/anna.ics' },
      window: { from: t('2026-03-02T00:00'), to: t('2026-03-18T00:00') },
      now,
      coded: desired.coded,
      unknownCodes: desired.unknownCodes,
      occurrences,
      previousSuccessAt: null,
    });
    await state.addFindings(findings);
    expect(new Set(findings.map((finding) => finding.rule))).toEqual(
      new Set(['lateEntry', 'unknownCode', 'missingCode']),
    );

    const reports = await buildReports(
      { config, state },
      { from: t('2026-03-02T00:00'), to: t('2026-03-09T00:00'), manager: 'bo' },
    );
    const document = reportDocument(reports.perManager[0] as NonNullable<(typeof reports.perManager)[0]>);
    const outputs = {
      findings: JSON.stringify(await state.listFindings({ from: 0, to: Number.MAX_SAFE_INTEGER })),
      json: JSON.stringify(reportJson(reports.scope)),
      csv: reportCsv(reports.scope),
      html: reportHtml(reports.scope),
      document: JSON.stringify(document),
    };
    expect(reportJson(reports.scope).findings).toHaveLength(4);
    for (const [name, text] of Object.entries(outputs)) {
      for (const word of [...SECRET_WORDS, 'MTÖ', '/secret/', '@vara.se']) {
        expect(text.includes(word), `${name} contains "${word}"`).toBe(false);
      }
    }
  });
});
