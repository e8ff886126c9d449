import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hanvisa, sampleWorkspace } from '../helpers/cli.js';
import { ROOT } from '../helpers/sample-config.js';

describe('hanvisa sync --once with a zone bomb among good calendars', () => {
  it('the bomb fails its calendar alone, naming the calendar and the budget; the others sync', () => {
    const workspace = sampleWorkspace();
    copyFileSync(path.join(ROOT, 'fixtures/ical/conformance/zone-bomb.ics'), workspace.ics('erik'));
    const result = hanvisa([
      'sync',
      '--once',
      '--config',
      workspace.config,
      '--json',
      '--now',
      '2026-11-30T07:00:00Z',
    ]);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ calendars: 5, failed: 1 });
    expect(summary.created).toBeGreaterThan(10);
    expect(summary.errors).toEqual([
      {
        calendar: 'erik/ics-1',
        message: expect.stringMatching(/^calendar erik\/ics-1: .*ics\.maxZoneTransitions\b/),
      },
    ]);
  });
});
