import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryReportMailer } from '../../../src/adapters/mail/memory-report-mailer.js';
import { SqliteReferralSink } from '../../../src/adapters/sinks/sqlite-referral-sink.js';
import { openDatabase } from '../../../src/adapters/stores/sqlite-database.js';
import { SqliteStateStore } from '../../../src/adapters/stores/sqlite-state-store.js';
import { createMirrorParts, createSourceResolver } from '../../../src/app/composition-root.js';
import { readEnvironment } from '../../../src/app/config/environment.js';
import { loadConfig } from '../../../src/app/config/load-config.js';
import { HanvisaMetrics } from '../../../src/app/metrics.js';
import { createMirroring } from '../../../src/app/outbox-wiring.js';
import { createRuleRunner } from '../../../src/app/rule-runner.js';
import { syncCalendar } from '../../../src/app/sync-calendar.js';
import { nextOfficeInstant } from '../../../src/domain/office-hours.js';
import { editFile, sampleWorkspace } from '../../helpers/cli.js';

// Tuesday 1 December 2026, 06:00 in Stockholm: before office hours.
const EARLY = Date.UTC(2026, 11, 1, 5, 0);
const OPENING = Date.UTC(2026, 11, 1, 7, 0);

describe('notify.unknownCode', () => {
  it('a mistyped code sends the employee one Swedish mail in office hours, without subject text; a second sync sends none', async () => {
    const workspace = sampleWorkspace();
    editFile(workspace.config, (text) =>
      text
        .replace('window: { pastDays: 1, futureDays: 14 }', 'window: { pastDays: 1, futureDays: 3 }')
        .replace('      name: David Dahl\n', '      name: David Dahl\n      email: david.dahl@vara.se\n')
        .replace(
          'reports: { schedule: "0 7 * * 1", folder: ../reports }',
          'reports: { schedule: "0 7 * * 1", folder: ../reports, mail: { from: hanvisa@vara.se } }\nnotify: { manualUrl: "https://intranat.vara.se/koder" }',
        ),
    );
    const config = loadConfig(workspace.config, readEnvironment({}));
    expect(config.notify.unknownCode).toBe(true);
    const db = openDatabase(':memory:');
    const mailer = new MemoryReportMailer();
    const logger = pino({ level: 'silent' });
    const parts = createMirrorParts(config, { registerDb: db, stateDb: db, logger, mailer });
    const mirroring = createMirroring(config, { ...parts, metrics: new HanvisaMetrics(), logger });
    const state = new SqliteStateStore(db);
    const deps = {
      config,
      sourceFor: createSourceResolver(config),
      sink: new SqliteReferralSink(db, { outbox: parts.outbox }),
      state: mirroring.withNotices(state),
      rules: createRuleRunner(config, state),
    };
    const david = config.calendars.find((calendar) => calendar.employee === 'david');
    if (david === undefined || mirroring.kind === null) throw new Error('sample changed');
    const kind = mirroring.kind as unknown as {
      handle(data: { mirror: string }, now: number): Promise<unknown>;
    };

    expect((await syncCalendar(deps, david, { now: EARLY })).findings).toBeGreaterThan(0);
    await kind.handle({ mirror: 'notify' }, EARLY);
    expect(mailer.sent).toEqual([]);

    await kind.handle({ mirror: 'notify' }, OPENING);
    expect(mailer.sent).toHaveLength(1);
    const [mail] = mailer.sent;
    expect(mail?.to).toBe('david.dahl@vara.se');
    expect(mail?.html).toContain('Menade du MÖT?');
    expect(mail?.html).toContain('torsdag 3 december kl. 09.00');
    expect(mail?.html).toContain('https://intranat.vara.se/koder');
    expect(`${mail?.subject} ${mail?.html}`).not.toMatch(/Arbetsplatsträff|MTÖ/);

    await syncCalendar(deps, david, { now: OPENING + 60_000 });
    await kind.handle({ mirror: 'notify' }, OPENING + 120_000);
    expect(mailer.sent).toHaveLength(1);
    db.close();
  });

  it('notify.lateEntry (off by default) mails about a planned meeting entered late, once', async () => {
    const workspace = sampleWorkspace();
    editFile(workspace.config, (text) =>
      text
        .replace(
          '      name: Anna Andersson\n',
          '      name: Anna Andersson\n      email: anna.andersson@vara.se\n',
        )
        .replace(
          'reports: { schedule: "0 7 * * 1", folder: ../reports }',
          'reports: { schedule: "0 7 * * 1", folder: ../reports, mail: { from: hanvisa@vara.se } }\nnotify: { lateEntry: { enabled: true } }',
        ),
    );
    const config = loadConfig(workspace.config, readEnvironment({}));
    const db = openDatabase(':memory:');
    const mailer = new MemoryReportMailer();
    const logger = pino({ level: 'silent' });
    const parts = createMirrorParts(config, { registerDb: db, stateDb: db, logger, mailer });
    const mirroring = createMirroring(config, { ...parts, metrics: new HanvisaMetrics(), logger });
    const state = mirroring.withNotices(new SqliteStateStore(db));
    const start = Date.UTC(2026, 11, 1, 13, 0);
    const finding = {
      key: 'lateEntry|anna/ics-1|uid|1',
      rule: 'lateEntry',
      kind: 'late',
      employee: 'anna',
      calendar: 'anna/ics-1',
      eventUid: 'uid',
      occurrenceStart: start,
      foundAt: Date.UTC(2026, 11, 1, 9, 0),
      details: { code: 'MÖT', deadline: Date.UTC(2026, 11, 1, 7, 0), enteredAt: Date.UTC(2026, 11, 1, 9, 0) },
    };
    await state.addFindings([finding]);
    await state.addFindings([finding]);
    const kind = mirroring.kind as unknown as {
      handle(data: { mirror: string }, now: number): Promise<unknown>;
    };
    await kind.handle({ mirror: 'notify' }, Date.UTC(2026, 11, 1, 9, 1));
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe('anna.andersson@vara.se');
    expect(mailer.sent[0]?.html).toContain(
      'tisdag 1 december kl. 14.00 kom in i kalendern efter kl. 08.00 samma dag',
    );
    db.close();
  });

  it('waits for office hours across a weekend', () => {
    const hours = { from: '08:00', to: '17:00', days: [1, 2, 3, 4, 5] };
    // Friday 4 December 2026 18:00 Stockholm → Monday 7 December 08:00.
    expect(nextOfficeInstant(Date.UTC(2026, 11, 4, 17, 0), 'Europe/Stockholm', hours)).toBe(
      Date.UTC(2026, 11, 7, 7, 0),
    );
    const inside = Date.UTC(2026, 11, 7, 9, 0);
    expect(nextOfficeInstant(inside, 'Europe/Stockholm', hours)).toBe(inside);
  });
});
