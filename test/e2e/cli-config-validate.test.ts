import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editFile, hanvisa, sampleWorkspace } from '../helpers/cli.js';

const NOW = ['--now', '2026-11-30T07:00:00Z'];

describe('hanvisa config validate: cron and file feeds (real process)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  function workspace() {
    const created = sampleWorkspace();
    dirs.push(created.dir);
    return created;
  }
  function withSchedule(schedule: string) {
    const created = workspace();
    editFile(created.config, (text) => text.replace('schedule: "0 7 * * 1"', `schedule: "${schedule}"`));
    return created;
  }

  it.each([
    ['0 7 * * 8', /^reports\.schedule: "0 7 \* \* 8" is not a cron expression \(.*0-7.*\).* \(line 59\)$/m],
    ['every monday', /^reports\.schedule: "every monday" is not a cron expression.* \(line 59\)$/m],
    [
      '0 7 * *',
      /^reports\.schedule: "0 7 \* \*" is not a cron expression: it needs five fields.* \(line 59\)$/m,
    ],
  ])('an invalid reports.schedule "%s" fails validation with its path and line', (schedule, line) => {
    const { config } = withSchedule(schedule);
    const text = hanvisa(['config', 'validate', '--config', config]);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(line);
    const json = hanvisa(['config', 'validate', '--config', config, '--json']);
    expect(json.code).toBe(1);
    const output = JSON.parse(json.stdout) as { valid: boolean; problems: string[] };
    expect(output.valid).toBe(false);
    expect(output.problems).toHaveLength(1);
    expect(output.problems[0]).toMatch(line);
  });

  it('a valid cron (an alias, or six fields with seconds) passes', () => {
    for (const schedule of ['@weekly', '0 0 7 * * 1']) {
      const result = hanvisa(['config', 'validate', '--config', withSchedule(schedule).config]);
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('the service refuses an invalid cron at start, at once, and writes nothing', () => {
    const { config, dir } = withSchedule('0 25 * * 1');
    const result = hanvisa(['start', '--config', config, '--cycles', '1', ...NOW]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^reports\.schedule: "0 25 \* \* 1" is not a cron expression/m);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
    const sync = hanvisa(['sync', '--once', '--config', config, '--json', ...NOW]);
    expect(sync.code).toBe(1);
    expect(sync.stdout).toBe('');
    expect(sync.stderr).toMatch(/^reports\.schedule: /m);
  });

  it('a missing feed file fails validation naming its config path; sync names only the calendar id', () => {
    const created = workspace();
    rmSync(created.ics('cecilia'));
    const text = hanvisa(['config', 'validate', '--config', created.config]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(
      /^directory\.employees\[2\]\.calendars\[0\]\.ics: file not found.* \(line 44\)$/m,
    );
    const json = hanvisa(['config', 'validate', '--config', created.config, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).problems).toEqual([
      expect.stringMatching(/^directory\.employees\[2\]\.calendars\[0\]\.ics: file not found/),
    ]);
    // The service is not blocked by it: that calendar fails alone, named by its id, never its path.
    const sync = hanvisa(['sync', '--once', '--config', created.config, '--json', ...NOW]);
    expect(sync.code).toBe(1);
    const summary = JSON.parse(sync.stdout) as { calendars: number; failed: number };
    expect(summary).toMatchObject({ calendars: 5, failed: 1 });
    expect(sync.stderr).toContain('cecilia/ics-1');
    expect(sync.stderr).not.toContain('cecilia.ics');
    expect(sync.stdout).not.toContain('cecilia.ics');
    expect(sync.stderr).not.toContain(created.dir);
  });

  it('a bad cron and a missing feed file are reported together, in one round', () => {
    const created = withSchedule('0 7 * * 8');
    rmSync(created.ics('david'));
    const result = hanvisa(['config', 'validate', '--config', created.config, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([
      expect.stringMatching(/^reports\.schedule: .*\(line 59\)$/),
      expect.stringMatching(/^directory\.employees\[3\]\.calendars\[0\]\.ics: file not found.*\(line 49\)$/),
    ]);
  });

  it('a feed path that is a folder is "not a file"; feed URLs are not checked', () => {
    const created = workspace();
    rmSync(created.ics('anna'));
    mkdirSync(created.ics('anna'));
    editFile(created.config, (text) =>
      text.replace('ics: ../fixtures/ical/erik.ics', 'ics: "https://calendar.example.invalid/erik.ics"'),
    );
    const result = hanvisa(['config', 'validate', '--config', created.config, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).problems).toEqual([
      expect.stringMatching(/^directory\.employees\[1\]\.calendars\[0\]\.ics: not a file .*\(line 39\)$/),
    ]);
  });

  it('the sample config is valid', () => {
    const result = hanvisa(['config', 'validate', '--config', workspace().config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/valid \(5 employees, 5 calendars, 11 codes\)/);
  });
});
