import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/composition-root.js';
import type { JobKind } from '../../src/app/jobs/job-kind.js';
import { sampleConfig } from '../helpers/sample-config.js';

const ZONE = 'Europe/Stockholm';
const t = (text: string) => DateTime.fromISO(text, { zone: ZONE }).toMillis();

function appOnTempFiles() {
  const config = sampleConfig();
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-jobs-'));
  const file = path.join(dir, 'hanvisa.db');
  return createApp({
    ...config,
    sink: { kind: 'embedded', path: file },
    statePath: file,
    reports: { ...config.reports, folder: dir },
  });
}

describe('the one job table', () => {
  it('has the kinds both runtimes run, each slot: a sync per calendar, reports, pending mail, retention, departed calendars', async () => {
    const app = appOnTempFiles();
    try {
      const slot = [...app.jobs.values()].map((kind) => {
        const items = (kind as JobKind<unknown>).everySlot?.() ?? [];
        return [kind.name, items.length];
      });
      expect(slot).toEqual([
        ['syncCalendar', app.config.calendars.length],
        ['sendDueReports', 1],
        ['retryPendingMail', 1],
        ['pruneRetention', 1],
        ['removeDepartedCalendars', 1],
      ]);
    } finally {
      await app.close();
    }
  });

  it('pruneRetention forgets findings and sightings older than rules.findingsRetentionDays whole local days, with one cutoff', async () => {
    const app = appOnTempFiles();
    try {
      const old = {
        key: 'old',
        rule: 'lateEntry',
        kind: 'late',
        employee: 'anna',
        calendar: 'anna/ics-1',
        eventUid: 'x',
        occurrenceStart: t('2025-01-01T10:00'),
        foundAt: t('2025-01-01T10:00'),
        details: {},
      };
      await app.state.addFindings([old, { ...old, key: 'recent', occurrenceStart: t('2026-01-01T10:00') }]);
      await app.state.markSeen(['seen-old'], t('2025-01-01T10:00'));
      const prune = app.jobs.get('pruneRetention') as JobKind<unknown>;
      const outcome = await prune.handle({}, t('2026-03-03T09:10'));
      expect(outcome).toEqual({ status: 'done', counts: { findings: 1, seen: 1, ended: 0 } });
      const left = await app.state.listFindings({ from: 0, to: t('2026-03-03T09:10') });
      expect(left.map((finding) => finding.key)).toEqual(['recent']);
      // A second run changes nothing (idempotent).
      expect(await prune.handle({}, t('2026-03-03T09:15'))).toEqual({
        status: 'done',
        counts: { findings: 0, seen: 0, ended: 0 },
      });
    } finally {
      await app.close();
    }
  });

  it('syncCalendar refuses data that is not ids and skips a calendar no longer in the directory', async () => {
    const app = appOnTempFiles();
    try {
      const sync = app.jobs.get('syncCalendar') as JobKind<unknown>;
      expect(await sync.handle({ calendarId: 'nobody/ics-9' }, Date.now())).toEqual({ status: 'skipped' });
      expect(sync.data.safeParse({ calendarId: 'anna/ics-1', subject: 'x' }).success).toBe(false);
    } finally {
      await app.close();
    }
  });
});
