import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { readIcs } from '../../../src/adapters/ical/read-ics.js';
import { expandedOccurrence } from '../../../src/cli/commands/ics-expand.js';
import { expectGolden } from '../../helpers/golden.js';
import { ROOT, sampleConfig } from '../../helpers/sample-config.js';

/**
 * Golden files for the iCal reader: fixtures/ical/golden/NAME.ics with the windows to read in
 * X-HANVISA-GOLDEN-WINDOW lines, and NAME.expected.json with every field of every occurrence
 * (cancelled ones included). Review a change, then `UPDATE_GOLDEN=1 npx vitest run
 * test/adapters/ical/ics-golden.test.ts` rewrites the expected files on purpose.
 */
const GOLDEN = path.join(ROOT, 'fixtures/ical/golden');
const feeds = readdirSync(GOLDEN).filter((file) => file.endsWith('.ics'));
const config = sampleConfig();

describe('iCal golden files', () => {
  it('has golden feeds', () => {
    if (feeds.length < 5) throw new Error(`expected the golden feeds in ${GOLDEN}`);
  });

  it.each(feeds)('%s', async (file) => {
    const text = readFileSync(path.join(GOLDEN, file), 'utf8');
    const windows = [...text.matchAll(/^X-HANVISA-GOLDEN-WINDOW:(\S+)\/(\S+)\r?$/gm)];
    if (windows.length === 0) throw new Error(`${file}: add an X-HANVISA-GOLDEN-WINDOW:FROM/TO line`);
    const results = [];
    for (const [, from, to] of windows) {
      const window = { from: Date.parse(from as string), to: Date.parse(to as string) };
      const { occurrences, warnings } = await readIcs(text, { window, timeZone: config.timeZone });
      results.push({
        window: `${from}/${to}`,
        occurrences: occurrences.map((occurrence) => ({
          ...expandedOccurrence(occurrence, config.codes),
          modifiedAt: occurrence.modifiedAt === null ? null : new Date(occurrence.modifiedAt).toISOString(),
          organizerIsSelf: occurrence.organizerIsSelf,
        })),
        warnings,
      });
    }
    expectGolden(
      path.join(GOLDEN, file.replace(/\.ics$/, '.expected.json')),
      `${JSON.stringify(results, null, 2)}\n`,
    );
  });
});
