import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('a closed stdout (ics expand … | head) ends quietly, without an EPIPE stack trace', async () => {
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//hanvisa//epipe//EN'];
    for (let index = 0; index < 3_000; index++) {
      const day = String(1 + (index % 28)).padStart(2, '0');
      lines.push('BEGIN:VEVENT', `UID:e${index}`, `DTSTART:202612${day}T080000Z`, 'DURATION:PT30M');
      lines.push('SUMMARY:MÖT: x', 'END:VEVENT');
    }
    lines.push('END:VCALENDAR', '');
    const feed = path.join(mkdtempSync(path.join(tmpdir(), 'hanvisa-epipe-')), 'big.ics');
    writeFileSync(feed, lines.join('\r\n'));
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin/hanvisa.js'),
        'ics',
        'expand',
        '--config',
        CONFIG,
        '--from',
        '2026-12-01T00:00:00Z',
        '--to',
        '2027-01-01T00:00:00Z',
        feed,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Like head: read the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
