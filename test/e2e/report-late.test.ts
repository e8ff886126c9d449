import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editFile, hanvisa, sampleWorkspace } from '../helpers/cli.js';

/** The sample's week 47 (16–22 November 2026) holds late, retroactive, invited and on-time meetings. */
const PERIOD = ['--from', '2026-11-16', '--to', '2026-11-23'];
const SUBJECT_WORDS = [
  'Avstämning',
  'revisorn',
  'Skövde',
  'stadsbyggnadskontoret',
  'Projektmöte',
  'Budgetsammanträde',
  'Arbetsplatsträff',
  'MTÖ',
];

describe('hanvisa report late (end to end)', () => {
  const workspace = sampleWorkspace();
  const config = ['--config', workspace.config];

  const cleanup = [workspace.dir];
  afterAll(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    const sync = hanvisa(['sync', ...config, '--once', '--now', '2026-11-16T07:00', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
  });

  it("prints DESIGN.md's JSON for the sample department", () => {
    const result = hanvisa(['report', 'late', ...config, ...PERIOD, '--manager', 'bo']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      from: string;
      to: string;
      findings: Record<string, unknown>[];
    };
    expect(report.from).toBe('2026-11-15T23:00:00.000Z');
    expect(report.to).toBe('2026-11-22T23:00:00.000Z');
    expect(report.findings.map((finding) => [finding.rule, finding.kind, finding.employee])).toEqual([
      ['lateEntry', 'late', 'anna'],
      ['lateEntry', 'retroactive', 'cecilia'],
      ['unknownCode', 'unknown', 'david'],
      ['lateEntry', 'invited', 'erik'],
      ['lateEntry', 'late', 'anna'],
    ]);
    // Events are named as the register names them: by the keyed hash of their uid, never the uid.
    for (const finding of report.findings) expect(finding.eventUid).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
    expect(result.stdout).not.toMatch(/vara-[a-z]+-/);
    const register = JSON.parse(hanvisa(['referrals', ...config, '--employee', 'anna']).stdout) as {
      sourceRef: { uid: string };
    }[];
    expect(register.map((entry) => entry.sourceRef.uid)).toContain(report.findings[0]?.eventUid);
    expect(report.findings[0]).toEqual({
      rule: 'lateEntry',
      kind: 'late',
      employee: 'anna',
      manager: 'bo',
      eventUid: report.findings[0]?.eventUid,
      occurrenceStart: '2026-11-17T09:00:00.000Z',
      code: 'MÖT',
      enteredAt: '2026-11-17T08:40:00.000Z',
      deadline: '2026-11-17T07:00:00.000Z',
      approximate: false,
    });
  });

  it('writes HTML and CSV into reports.folder and prints their paths; no subject text in any of them', () => {
    const result = hanvisa(['report', 'late', ...config, ...PERIOD, '--format', 'html,csv']);
    expect(result.code, result.stderr).toBe(0);
    const files = result.stdout.trim().split('\n');
    expect(files).toEqual([
      path.join(workspace.dir, 'reports', 'late-entries-bo-2026-11-16--2026-11-22.html'),
      path.join(workspace.dir, 'reports', 'late-entries-bo-2026-11-16--2026-11-22.csv'),
    ]);
    const html = readFileSync(files[0] as string, 'utf8');
    expect(html).toContain('Sena registreringar');
    expect(html).toContain('Anna Andersson');
    expect(html).toContain('Inbjuden (räknas ej)');
    const json = hanvisa(['report', 'late', ...config, ...PERIOD]).stdout;
    for (const text of [html, readFileSync(files[1] as string, 'utf8'), json]) {
      for (const word of SUBJECT_WORDS) expect(text.includes(word), word).toBe(false);
      expect(text).not.toMatch(/vara-[a-z]+-/); // no event uid either
    }
  });

  it('with --json and --out, stdout is JSON only and the paths go to stderr', () => {
    const out = path.join(workspace.dir, 'elsewhere');
    const result = hanvisa([
      'report',
      'late',
      ...config,
      ...PERIOD,
      '--format',
      'json,html',
      '--out',
      out,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).findings).toHaveLength(5);
    expect(result.stderr.trim()).toBe(path.join(out, 'late-entries-bo-2026-11-16--2026-11-22.html'));
    expect(existsSync(path.join(out, 'late-entries-bo-2026-11-16--2026-11-22.csv'))).toBe(false);
  });

  it.each([
    [['--manager', 'nobody'], /--manager: no manager "nobody" in the directory \(managers: bo\)/],
    [['--from', '2026-11-23', '--to', '2026-11-16'], /--to must be after --from/],
    [['--from', '2026-11-16'], /needs --from and --to/],
    [['--format', 'pdf'], /--format: unknown format "pdf"/],
    [['--from', 'last monday', '--to', '2026-11-16'], /--from: "last monday" is not an ISO-8601 time/],
  ])('bad request %j: a clear error and exit code 2', (args, message) => {
    const period = args.includes('--from') ? [] : PERIOD;
    const result = hanvisa(['report', 'late', ...config, ...period, ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('a report folder that cannot be written: exit code 2, naming the setting', () => {
    const blocked = sampleWorkspace();
    cleanup.push(blocked.dir);
    writeFileSync(path.join(blocked.dir, 'blocker'), 'a file where a folder should be');
    editFile(blocked.config, (text) => text.replace('folder: ../reports', 'folder: ../blocker/reports'));
    const result = hanvisa(['report', 'late', '--config', blocked.config, ...PERIOD, '--format', 'html']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/reports\.folder \(.*blocker.*\): cannot create the folder/);
  });
});
