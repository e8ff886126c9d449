import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, hanvisa, sampleWorkspace } from '../helpers/cli.js';
import { ROOT } from '../helpers/sample-config.js';

const NOW = ['--now', '2026-11-30T07:00:00Z'];

function syncJson(config: string, ...extra: string[]) {
  const result = hanvisa(['sync', '--once', '--config', config, '--json', ...NOW, ...extra]);
  return { ...result, summary: JSON.parse(result.stdout) };
}

function referrals(config: string, ...extra: string[]) {
  const result = hanvisa(['referrals', '--config', config, ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    employee: string;
    label: string;
    mode: string;
    text: string;
    sourceRef: { uid: string };
  }[];
}

describe('hanvisa sync --once (end to end)', () => {
  it('refers the sample calendars, and a second run over unchanged calendars changes nothing', () => {
    const workspace = sampleWorkspace();
    const first = syncJson(workspace.config);
    expect(first.code, first.stderr).toBe(0);
    expect(first.summary).toMatchObject({ calendars: 5, failed: 0, updated: 0, deleted: 0, errors: [] });
    expect(first.summary.created).toBeGreaterThan(20);
    const second = syncJson(workspace.config);
    expect(second.summary).toMatchObject({ calendars: 5, created: 0, updated: 0, deleted: 0, failed: 0 });
    const entries = referrals(workspace.config, '--employee', 'anna');
    expect(entries.every((entry) => entry.employee === 'anna')).toBe(true);
    expect(entries.find((entry) => entry.mode === 'infoOnly')).toMatchObject({
      label: 'Möte',
      text: 'Möte, åter 14.30',
    });
  });

  it('updates an entry whose code changed, deletes one whose code or event went', () => {
    const workspace = sampleWorkspace();
    syncJson(workspace.config);
    editFile(workspace.ics('bo'), (text) =>
      text
        .replace('SUMMARY:SAM: Kommunstyrelsen', 'SUMMARY:MÖT: Kommunstyrelsen')
        .replace('SUMMARY:BES: Besök', 'SUMMARY:Besök'),
    );
    const changed = syncJson(workspace.config);
    expect(changed.summary).toMatchObject({ created: 0, updated: 2, deleted: 2, failed: 0 });
    const labels = referrals(workspace.config, '--employee', 'bo').map((entry) => entry.label);
    expect(labels).toContain('Möte');
    expect(labels).not.toContain('Sammanträde');
    expect(labels).not.toContain('Ute på besök');
  });

  it('a missing calendar file fails that calendar only, names it, keeps its referrals, exits 1', () => {
    const workspace = sampleWorkspace();
    syncJson(workspace.config);
    const before = referrals(workspace.config, '--employee', 'david');
    rmSync(workspace.ics('david'));
    editFile(workspace.ics('anna'), (text) => text.replace('SUMMARY:LUN: Lunch', 'SUMMARY:LUN; Lunch'));
    const result = syncJson(workspace.config);
    expect(result.code).toBe(1);
    expect(result.summary).toMatchObject({ calendars: 5, failed: 1 });
    expect(result.summary.updated).toBeGreaterThan(0);
    expect(result.summary.errors).toEqual([
      { calendar: 'david/ics-1', message: expect.stringContaining('david/ics-1') },
    ]);
    expect(result.summary.errors[0].message).not.toContain(workspace.dir);
    expect(referrals(workspace.config, '--employee', 'david')).toEqual(before);
  });

  it('an unparsable calendar fails alone the same way', () => {
    const workspace = sampleWorkspace();
    editFile(workspace.ics('erik'), () => 'this is not iCalendar\n');
    const result = syncJson(workspace.config);
    expect(result.code).toBe(1);
    expect(result.summary.errors).toEqual([
      { calendar: 'erik/ics-1', message: expect.stringContaining('erik/ics-1') },
    ]);
    expect(result.summary.created).toBeGreaterThan(0);
  });

  it('refuses a snapshot that would delete most future entries, and applies it with --force', () => {
    const workspace = sampleWorkspace();
    syncJson(workspace.config);
    const count = referrals(workspace.config, '--employee', 'bo').length;
    editFile(workspace.ics('bo'), (text) => text.replace(/BEGIN:VEVENT[\s\S]*END:VEVENT\r\n/, ''));
    const refused = syncJson(workspace.config);
    expect(refused.code).toBe(1);
    expect(refused.summary.errors[0]).toMatchObject({
      calendar: 'bo/ics-1',
      message: expect.stringMatching(/mass-delete guard.*--force/),
    });
    expect(referrals(workspace.config, '--employee', 'bo')).toHaveLength(count);
    const forced = syncJson(workspace.config, '--force');
    expect(forced.code).toBe(0);
    expect(forced.summary.deleted).toBe(count);
  });

  it('never writes a subject into the database file', () => {
    const workspace = sampleWorkspace();
    syncJson(workspace.config);
    const dataDir = path.join(workspace.dir, 'data');
    const bytes = readdirSync(dataDir)
      .map((file) => readFileSync(path.join(dataDir, file)).toString('utf8'))
      .join('\n');
    expect(bytes.length).toBeGreaterThan(0);
    for (const subject of [
      'Budgetberedning',
      'Tandläkare',
      'Kommunstyrelsen',
      'Arbetsplatsträff',
      'Fika',
      'Skövde',
    ]) {
      expect(bytes).not.toContain(subject);
    }
  });

  it('an invalid config: exit 1, every problem with its path, nothing written', () => {
    const workspace = sampleWorkspace();
    editFile(workspace.config, (text) =>
      text
        .replace('- { code: SAM,', '- { code: MÖT,')
        .replace('timeZone: Europe/Stockholm', 'timeZone: Mars/Olympus'),
    );
    const result = hanvisa(['sync', '--once', '--config', workspace.config, '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^timeZone: not an IANA time zone/m);
    expect(result.stderr).toMatch(/^codes\.entries\[1\]\.code: duplicate code "MÖT"/m);
    expect(existsSync(path.join(workspace.dir, 'data'))).toBe(false);
    const validate = hanvisa(['config', 'validate', '--config', workspace.config]);
    expect(validate.code).toBe(1);
    expect(validate.stderr.split('\n').filter((line) => /^\S+: /.test(line)).length).toBeGreaterThanOrEqual(
      2,
    );
  });
});

describe('hanvisa CLI contract', () => {
  it('codes check prints the golden answers for the sample table', () => {
    const subjects = JSON.parse(
      readFileSync(path.join(ROOT, 'fixtures/subjects/codes-subjects.json'), 'utf8'),
    ).prefix;
    const expected = JSON.parse(
      readFileSync(path.join(ROOT, 'fixtures/subjects/codes-expected.json'), 'utf8'),
    ).prefix;
    const result = hanvisa(['codes', 'check', '--config', 'config/hanvisa.yaml', ...subjects]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it('start --cycles 1 runs the embedded runtime once and prints what it referred', () => {
    const workspace = sampleWorkspace();
    const result = hanvisa(['start', '--config', workspace.config, '--cycles', '1', '--port', '0', ...NOW]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/embedded runtime, 5 calendars/);
    expect(result.stdout).toMatch(/\+ anna \(0512-31001\) .*: Möte, åter 10\.30/);
    expect(result.stdout).toMatch(/cycle: 5 calendars, \d+ created, 0 updated, 0 deleted/);
  });

  it.each([
    [['sync', '--config', 'config/hanvisa.yaml'], /needs --once/],
    [['sync', '--once', '--bogus'], /Unknown option '--bogus'/],
    [['nonsense'], /unknown command "nonsense"/],
    [['codes', 'check', '--config', 'config/hanvisa.yaml'], /at least one SUBJECT/],
    [
      ['sync', '--once', '--config', 'config/hanvisa.yaml', '--now', 'yesterday'],
      /--now: "yesterday" is not an ISO-8601 time/,
    ],
    [['referrals', '--config', 'config/hanvisa.yaml', '--employee', 'nobody'], /no employee "nobody"/],
  ])('bad usage %j exits 2 with a clear message', (args, message) => {
    const result = hanvisa(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
