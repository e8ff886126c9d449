import { describe, expect, it } from 'vitest';
import { editFile, hanvisa, sampleWorkspace } from '../helpers/cli.js';

const NOW = ['--now', '2026-11-30T07:00:00Z'];

function referralsOf(config: string, employee: string) {
  const result = hanvisa(['referrals', '--config', config, '--employee', employee]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    label: string;
    start: string;
    sourceRef: { uid: string };
    text: string;
  }[];
}

describe('one bad event costs one event (hanvisa sync --once)', () => {
  it('skips the event with a warning by line, keeps its referrals, syncs the rest, tells IT', () => {
    const workspace = sampleWorkspace();
    const first = hanvisa(['sync', '--once', '--config', workspace.config, '--json', ...NOW]);
    expect(first.code, first.stderr).toBe(0);
    const before = referralsOf(workspace.config, 'anna');
    // The weekly MÖT: Budgetberedning, Mondays 09:00 (the register holds uids as keyed hashes).
    const isBudget = (entry: { label: string; start: string }) =>
      entry.label === 'Möte' &&
      new Date(entry.start).getUTCDay() === 1 &&
      entry.start.endsWith('T08:00:00.000Z');
    const budget = before.filter(isBudget);
    expect(budget.length).toBeGreaterThan(0);

    editFile(workspace.ics('anna'), (text) =>
      text
        .replace(
          'DTSTART;TZID=Europe/Stockholm:20260105T090000',
          'DTSTART;TZID=Europe/Stockholm:2026-01-05 09:00',
        )
        .replace('SUMMARY:LUN: Lunch', 'SUMMARY:LUN; Lunch'),
    );
    const second = hanvisa(['sync', '--once', '--config', workspace.config, ...NOW]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(
      /\? anna\/ics-1: line 23: an event cannot be read \(an invalid DTSTART value\); it is skipped and its referrals are kept/,
    );
    expect(second.stdout).not.toContain('Budgetberedning');
    expect(second.stdout).toMatch(/~ anna .*Lunch, åter 12\.45 \(endast info, samtal kopplas fram\)/);
    const after = referralsOf(workspace.config, 'anna');
    expect(after.filter(isBudget)).toEqual(budget);
    const notLunch = (entry: { label: string }) => entry.label !== 'Lunch';
    expect(after.filter(notLunch)).toEqual(before.filter(notLunch));

    const report = hanvisa([
      'report',
      'late',
      '--config',
      workspace.config,
      '--from',
      '2026-11-01T00:00:00Z',
      '--to',
      '2026-12-31T00:00:00Z',
    ]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).not.toContain('vara-anna-budget-2026');
    expect(JSON.parse(report.stdout).findings).toContainEqual(
      expect.objectContaining({
        rule: 'unreadableEvent',
        employee: 'anna',
        eventUid: expect.stringMatching(/^(?!vara-anna)/),
      }),
    );
  });
});
