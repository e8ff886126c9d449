import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/app/config/config-schema.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { ROOT, SAMPLE_CONFIG, sampleConfig } from '../helpers/sample-config.js';

function problemsOf(yaml: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-config-'));
  const file = path.join(dir, 'hanvisa.yaml');
  writeFileSync(file, yaml);
  try {
    loadConfig(file, readEnvironment({}));
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

const MINIMAL = `codes:
  entries:
    - { code: MÖT, reason: meeting, label: Möte, planned: true }
directory:
  employees:
    - { id: anna, name: Anna, extension: "1", calendars: [{ ics: cal/anna.ics }] }
`;

describe('config', () => {
  it('accepts the shipped sample and fills in the defaults', () => {
    const config = sampleConfig();
    expect(config.timeZone).toBe('Europe/Stockholm');
    expect(config.calendars.map((calendar) => calendar.id)).toEqual([
      'bo/ics-1',
      'anna/ics-1',
      'cecilia/ics-1',
      'david/ics-1',
      'erik/ics-1',
    ]);
    expect(config.massDelete).toEqual({ maxShare: 0.5, minEntries: 4 });
    expect(config.scheduleEveryMs).toBe(300_000);
  });

  it('resolves relative paths against the config file, not the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-config-'));
    writeFileSync(path.join(dir, 'hanvisa.yaml'), MINIMAL);
    const config = loadConfig(path.join(dir, 'hanvisa.yaml'), readEnvironment({}));
    expect(config.calendars[0]?.address).toBe(path.join(dir, 'cal/anna.ics'));
    expect(config.sink).toEqual({ kind: 'embedded', path: path.join(dir, 'data/hanvisa.db') });
    expect(config.reports.folder).toBe(path.join(dir, 'reports'));
  });

  it('reports every problem in one run, each with its path', () => {
    const problems = problemsOf(`timeZone: Europe/Stokholm
window: { pastDays: -1 }
codes:
  entries:
    - { code: MÖT, aliases: [MOT], reason: meeting, label: Möte, planned: true }
    - { code: LUN, reason: lunch, label: Lunch }
    - { code: SEM, reason: vacation, label: Semester }
    - { code: "MO\u0308T", reason: meeting, label: Möte igen }
    - { code: SAM, aliases: [mot], reason: meeting, label: Sammanträde }
directory:
  employees:
    - { id: anna, name: Anna, extension: "1", manager: nobody, calendars: [] }
schedule: { every: 5 minutes }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timeZone: not an IANA time zone/),
        expect.stringMatching(/^window\.pastDays: /),
        expect.stringMatching(
          /^codes\.entries\[3\]\.code: duplicate code "MÖT" \(already used by codes\.entries\[0\]\)/,
        ),
        expect.stringMatching(/^codes\.entries\[4\]\.aliases\[0\]: duplicate code "MOT"/),
        expect.stringMatching(/^directory\.employees\[0\]\.manager: unknown manager "nobody"/),
        expect.stringMatching(/^schedule\.every: a duration/),
      ]),
    );
    expect(problems.length).toBeGreaterThanOrEqual(6);
    expect(problems.find((problem) => problem.startsWith('codes.entries[3]'))).toMatch(/\(line 8\)$/);
  });

  it('rejects unknown keys with a did-you-mean', () => {
    expect(
      problemsOf(`${MINIMAL}timezone: Europe/Stockholm\nrules: { lateEntry: { deadlin: "08:00" } }\n`),
    ).toEqual([
      expect.stringMatching(
        /^rules\.lateEntry\.deadlin: unknown key "deadlin" \(did you mean "deadline"\?\)/,
      ),
      expect.stringMatching(/^timezone: unknown key "timezone" \(did you mean "timeZone"\?\)/),
    ]);
  });

  it('refuses secrets in the file and says where they belong', () => {
    const problems = problemsOf(`${MINIMAL}graph: { tenantId: t, clientId: c, clientSecret: hunter2 }\n`);
    expect(problems).toEqual([
      expect.stringMatching(/^graph\.clientSecret: secrets do not belong.*HANVISA_GRAPH_CLIENT_SECRET/),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('names the line of a YAML syntax error', () => {
    expect(problemsOf('codes:\n  entries: [\n')).toEqual([expect.stringMatching(/^line \d+, column \d+: /)]);
  });

  it('reads secrets and REDIS_URL from the environment only', () => {
    const env = readEnvironment({ REDIS_URL: 'redis://127.0.0.1:6390', HANVISA_GRAPH_CLIENT_SECRET: 's' });
    const config = loadConfig(SAMPLE_CONFIG, env);
    expect(config.env.redisUrl).toBe('redis://127.0.0.1:6390');
    expect(config.env.graph.clientSecret).toBe('s');
  });

  it('config/hanvisa.schema.json is generated from the zod schema and up to date', () => {
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'config/hanvisa.schema.json'), 'utf8'));
    expect(committed, 'stale: run "npm run schema" and commit config/hanvisa.schema.json').toEqual(
      configJsonSchema(),
    );
  });
});
