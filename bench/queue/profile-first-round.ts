/**
 * A first round through the sync use case (SQLite register and state, the configured rules) for
 * N calendars × M events from the synthetic source, with no network: where does the CPU go
 * outside the calendar source? Run with `node --cpu-prof dist/bench/queue/profile-first-round.js N M`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../src/app/composition-root.js';
import { readEnvironment } from '../../src/app/config/environment.js';
import { loadConfig } from '../../src/app/config/load-config.js';
import { syncCycle } from '../../src/app/sync-cycle.js';
import { SyntheticCalendarSource } from './synthetic-source.js';

const calendars = Number(process.argv[2] ?? 2000);
const events = Number(process.argv[3] ?? 30);
const dir = mkdtempSync(path.join(tmpdir(), 'hanvisa-profile-'));
const employees = Array.from(
  { length: calendars },
  (_, index) =>
    `    - { id: e${index}, name: E ${index}, extension: "0512-${index}", calendars: [{ graph: e${index}@example.org }] }`,
);
writeFileSync(
  path.join(dir, 'hanvisa.yaml'),
  [
    'codes:',
    '  entries:',
    '    - { code: MÖT, reason: meeting, label: Möte, planned: true }',
    'directory:',
    '  employees:',
    ...employees,
    'sink: { kind: embedded, path: register.db }',
    'graph: { tenantId: t, clientId: c }',
    '',
  ].join('\n'),
);
const config = loadConfig(path.join(dir, 'hanvisa.yaml'), readEnvironment({}));
const source = new SyntheticCalendarSource({ eventsPerCalendar: events });
const app = createApp(config, { sourceFor: () => source });
const started = performance.now();
const cpu = process.cpuUsage();
const results = await syncCycle(app.sync, config.calendars, { now: Date.now(), concurrency: 32 });
const used = process.cpuUsage(cpu);
const created = results.reduce((sum, result) => sum + result.created, 0);
console.log(
  `${calendars} calendars × ${events} events: ${(performance.now() - started).toFixed(0)} ms wall, ` +
    `${((used.user + used.system) / 1000).toFixed(0)} ms CPU, ${created} created, ` +
    `${((used.user + used.system) / Math.max(1, created)).toFixed(1)} µs CPU per entry`,
);
await app.close();
