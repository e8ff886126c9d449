import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hanvisa } from '../../helpers/cli.js';
import { ROOT } from '../../helpers/sample-config.js';

/** `hanvisa ics expand` end to end, through the built bin, against the golden feeds. */
const CONFIG = path.join(ROOT, 'config/hanvisa.yaml');
const GOLDEN = path.join(ROOT, 'fixtures/ical/golden');

interface GoldenWindow {
  window: string;
  occurrences: { status: string; modifiedAt?: unknown; organizerIsSelf?: unknown }[];
}

function expected(name: string, includeCancelled: boolean) {
  const [golden] = JSON.parse(
    readFileSync(path.join(GOLDEN, `${name}.expected.json`), 'utf8'),
  ) as GoldenWindow[];
  const [from, to] = (golden as GoldenWindow).window.split('/');
  const occurrences = (golden as GoldenWindow).occurrences
    .filter((occurrence) => includeCancelled || occurrence.status !== 'cancelled')
    .map(({ modifiedAt: _modified, organizerIsSelf: _organizer, ...printed }) => printed);
  return { from: from as string, to: to as string, occurrences };
}

describe('hanvisa ics expand', () => {
  it.each(['google', 'exchange-outlook', 'apple', 'recurrence-rules'])(
    'prints the golden occurrences of %s',
    (name) => {
      const { from, to, occurrences } = expected(name, false);
      const result = hanvisa([
        'ics',
        'expand',
        '--config',
        CONFIG,
        '--from',
        from,
        '--to',
        to,
        path.join(GOLDEN, `${name}.ics`),
      ]);
      expect(result.stderr.replace(/^warning: .*\n/gm, '')).toBe('');
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(occurrences);
    },
  );

  it('includes cancelled occurrences with --include-cancelled', () => {
    const { from, to, occurrences } = expected('google', true);
    const result = hanvisa([
      'ics',
      'expand',
      '--config',
      CONFIG,
      '--from',
      from,
      '--to',
      to,
      '--include-cancelled',
      path.join(GOLDEN, 'google.ics'),
    ]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { status: string }[];
    expect(printed).toEqual(occurrences);
    expect(printed.some((occurrence) => occurrence.status === 'cancelled')).toBe(true);
  });

  it('reads --from/--to without an offset in the configured zone and prints UTC with Z', () => {
    const result = hanvisa([
      'ics',
      'expand',
      '--config',
      CONFIG,
      '--from',
      '2026-03-29',
      '--to',
      '2026-03-30',
      path.join(GOLDEN, 'stockholm-dst.ics'),
    ]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { uid: string; start: string; end: string }[];
    const allDay = printed.find((occurrence) => occurrence.uid === 'dst-allday-march@golden');
    expect(allDay).toMatchObject({ start: '2026-03-28T23:00:00.000Z', end: '2026-03-29T22:00:00.000Z' });
  });

  it('warns about an unknown time zone on stderr, keeping stdout JSON', () => {
    const { from, to } = expected('recurrence-rules', false);
    const result = hanvisa([
      'ics',
      'expand',
      '--config',
      CONFIG,
      '--from',
      from,
      '--to',
      to,
      path.join(GOLDEN, 'recurrence-rules.ics'),
    ]);
    expect(result.stderr).toMatch(/^warning: unknown time zone "Mars\/Olympus_Mons"/m);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
  });

  it('a missing file is a handled error (exit 1) that does not print the path', () => {
    const result = hanvisa([
      'ics',
      'expand',
      '--config',
      CONFIG,
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-02',
      'no/such/dir/secret-feed.ics',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not exist/);
    expect(result.stderr).not.toContain('secret-feed');
    expect(result.stdout).toBe('');
  });

  it('bad usage exits 2', () => {
    expect(hanvisa(['ics', 'expand', '--config', CONFIG, path.join(GOLDEN, 'google.ics')]).code).toBe(2);
    expect(
      hanvisa(['ics', 'expand', '--config', CONFIG, '--from', 'soon', '--to', '2026-03-02', 'x.ics']).code,
    ).toBe(2);
    expect(
      hanvisa(['ics', 'expand', '--config', CONFIG, '--from', '2026-03-01', '--to', '2026-03-02']).code,
    ).toBe(2);
  });
});
