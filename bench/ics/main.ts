/**
 * `npm run bench:ics`: for feeds of 1,000 / 10,000 / 50,000 events (10 % weekly series with
 * exceptions, a VTIMEZONE), the time and peak memory of (a) ICAL.parse alone, the floor;
 * (b) hanvisa's whole `ics expand` path for a 15-day window; (c) node-ical's sync.parseICS,
 * the peer. Each measurement runs in its own process, so peak memory is that path's alone.
 * Targets at 50,000: (b) ≤ 1.5 × (a) in time and peak memory, (b) ≥ 4 × faster than (c).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFeed } from './generate-feed.js';

const SIZES = (process.env.BENCH_ICS_SIZES ?? '1000,10000,50000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_ICS_RUNS ?? 3);
const MODES = ['ical-parse', 'hanvisa', 'node-ical'] as const;
type Mode = (typeof MODES)[number];

interface Sample {
  ms: number;
  peakRssMb: number;
  deltaMb: number;
  maxBlockMs: number;
  result: number;
}

const measureScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'measure.js');

function measure(mode: Mode, file: string): Sample {
  const output = execFileSync(process.execPath, ['--expose-gc', measureScript, mode, file], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(output.trim().split('\n').pop() as string) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const directory = mkdtempSync(path.join(os.tmpdir(), 'hanvisa-bench-ics-'));
const rows: string[][] = [];
try {
  for (const size of SIZES) {
    const file = path.join(directory, `feed-${size}.ics`);
    writeFileSync(file, generateFeed(size));
    const megabytes = statSync(file).size / 1_048_576;
    const results = {} as Record<
      Mode,
      { ms: number; peak: number; delta: number; block: number; result: number }
    >;
    for (const mode of MODES) {
      const samples = Array.from({ length: RUNS }, () => measure(mode, file));
      results[mode] = {
        ms: median(samples.map((sample) => sample.ms)),
        peak: median(samples.map((sample) => sample.peakRssMb)),
        delta: median(samples.map((sample) => sample.deltaMb)),
        block: median(samples.map((sample) => sample.maxBlockMs)),
        result: samples[0]?.result ?? 0,
      };
    }
    const a = results['ical-parse'];
    const b = results.hanvisa;
    const c = results['node-ical'];
    rows.push([
      size.toLocaleString('en-US'),
      `${megabytes.toFixed(1)} MB`,
      `${a.ms.toFixed(0)} ms / ${a.peak.toFixed(0)} MB`,
      `${b.ms.toFixed(0)} ms / ${b.peak.toFixed(0)} MB`,
      `${c.ms.toFixed(0)} ms / ${c.peak.toFixed(0)} MB`,
      `${(b.ms / a.ms).toFixed(2)}×`,
      `${(b.peak / a.peak).toFixed(2)}× (+${b.delta.toFixed(0)} vs +${a.delta.toFixed(0)} MB)`,
      `${(c.ms / b.ms).toFixed(1)}×`,
      `${b.block.toFixed(0)} ms`,
      String(b.result),
    ]);
    process.stderr.write(`done: ${size} events\n`);
  }
} finally {
  rmSync(directory, { recursive: true, force: true });
}

const header = [
  'events',
  'feed',
  '(a) ICAL.parse',
  '(b) hanvisa expand',
  '(c) node-ical',
  'b/a time',
  'b/a peak RSS (growth)',
  'c/b time',
  '(b) longest event-loop block',
  'occurrences',
];
const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
process.stdout.write(
  [
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, median of ${RUNS} runs, 15-day window`,
    '',
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    'Targets at 50,000 events: b/a time ≤ 1.5, b/a peak ≤ 1.5, c/b time ≥ 4.',
    '',
  ].join('\n'),
);
