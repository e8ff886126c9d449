/**
 * One measurement in its own process (clean peak memory): reads the feed, then runs one path
 * and prints {ms, peakRssMb, deltaMb, result} as JSON. Run by bench/ics/main.ts.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BENCH_WINDOW } from './generate-feed.js';

const [mode, file] = process.argv.slice(2);
if (mode === undefined || file === undefined) throw new Error('usage: measure.js MODE FILE');

/**
 * Loads only the modules of the path under test (each process measures one path, so one
 * library's heap does not slow the other's garbage collection), then returns the run.
 */
async function prepare(): Promise<() => Promise<number>> {
  switch (mode) {
    case 'ical-parse': {
      const { default: ICAL } = await import('ical.js');
      return async () => {
        const text = readFileSync(file as string, 'utf8');
        return (ICAL.parse(text) as unknown[]).length;
      };
    }
    case 'hanvisa': {
      const { createIcsSource } = await import('../../src/adapters/ical/ics-source.js');
      const { expandedOccurrence } = await import('../../src/cli/commands/ics-expand.js');
      const { compileCodeTable } = await import('../../src/domain/codes/code-table.js');
      const codes = compileCodeTable(
        [
          { code: 'MÖT', aliases: [], reason: 'meeting', label: 'Möte', planned: true },
          { code: 'LUN', aliases: [], reason: 'lunch', label: 'Lunch', planned: false },
          { code: 'UTB', aliases: [], reason: 'training', label: 'Utbildning', planned: true },
          { code: 'SAM', aliases: [], reason: 'meeting', label: 'Sammanträde', planned: true },
          { code: 'UTE', aliases: [], reason: 'visit', label: 'Ute', planned: true },
        ],
        { position: 'prefix', referred: [':'], infoOnly: [';'], marker: '#', notCodes: [] },
      );
      const source = createIcsSource({
        timeZone: 'Europe/Stockholm',
        ics: {
          allowPrivateHosts: [],
          timeoutMs: 15_000,
          // The 50,000-event feed is 23 MB: a file feed is capped by ics.maxBytes too.
          maxBytes: 64 * 1024 * 1024,
          maxRedirects: 5,
          maxEventsPerFeed: 100_000,
          maxOccurrencesPerSeries: 2_000,
          recurrenceStepBudget: 1_000_000,
        },
      });
      // The whole `ics expand` path: read the file, cut, parse, expand, map to the printed records.
      return async () => {
        const result = await source.fetch(
          { id: 'bench', employee: 'bench', kind: 'ics', address: file as string },
          BENCH_WINDOW,
          null,
        );
        if (result.kind !== 'snapshot') throw new Error('expected a snapshot');
        const printed = JSON.stringify(
          result.occurrences.map((occurrence) => expandedOccurrence(occurrence, codes)),
        );
        return printed.length > 0 ? result.occurrences.length : 0;
      };
    }
    case 'node-ical': {
      const { default: nodeIcal } = await import('node-ical');
      return async () => {
        const text = readFileSync(file as string, 'utf8');
        return Object.keys(nodeIcal.sync.parseICS(text)).length;
      };
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

const run = await prepare();
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const baseline = process.memoryUsage().rss;
const started = performance.now();
const result = await run();
const ms = performance.now() - started;
loop.disable();
// The longest stretch the event loop was blocked (a synchronous path blocks for all of `ms`).
const maxBlockMs = loop.max / 1e6;
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(
  `${JSON.stringify({ ms, peakRssMb: peak / 1_048_576, deltaMb: (peak - baseline) / 1_048_576, maxBlockMs, result })}\n`,
);
