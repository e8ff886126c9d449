import { setTimeout as sleep } from 'node:timers/promises';
import type { Instant } from '../domain/occurrence.js';
import type { App } from './composition-root.js';
import { InProcessJobs } from './jobs/in-process-jobs.js';
import type { JobKind, JobRequest } from './jobs/job-kind.js';
import { SYNC_CALENDAR } from './jobs/job-table.js';
import type { HealthStatus, RunningService } from './ports/http-service.js';
import type { CalendarSyncResult } from './sync-calendar.js';
import { type CycleSummary, cycleConcurrency, summarise } from './sync-cycle.js';

export interface EmbeddedRuntimeOptions {
  readonly signal: AbortSignal;
  readonly clock: () => Instant;
  /** Stop after this many cycles (tests, `start --cycles N`); unbounded when absent. */
  readonly maxCycles?: number;
  /** The HTTP listener (default `server.host:server.port`); null serves nothing (benchmarks). */
  readonly listen?: { readonly host: string; readonly port: number } | null;
  /** Told once the HTTP service listens. */
  readonly onServing?: (service: RunningService) => void;
  readonly onCycle: (results: readonly CalendarSyncResult[], summary: CycleSummary, now: Instant) => void;
}

/** The jobs one schedule slot runs: every kind's `everySlot`, calendars first. */
export function slotJobs(app: App): { readonly sync: JobRequest[]; readonly rest: JobRequest[] } {
  const sync: JobRequest[] = [];
  const rest: JobRequest[] = [];
  for (const kind of app.jobs.values() as IterableIterator<JobKind<unknown>>) {
    for (const data of kind.everySlot?.() ?? [])
      (kind.name === SYNC_CALENDAR ? sync : rest).push({ kind: kind.name, data });
  }
  return { sync, rest };
}

async function runAll(jobs: InProcessJobs, requests: readonly JobRequest[], concurrency: number) {
  let next = 0;
  const worker = async () => {
    while (next < requests.length) await jobs.run(requests[next++] as JobRequest);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
}

/**
 * The embedded runtime: one process, no Redis. Serves the HTTP service, then every
 * `schedule.every` runs the slot's jobs from the one job table in process (every calendar's
 * sync, then reports, pending mails, retention), until the signal stops it. A stop waits for the
 * running jobs (each calendar's plan is applied in one transaction), closes the HTTP service and
 * returns; the caller closes the app. A listener that cannot start throws at once.
 */
export async function runEmbedded(app: App, options: EmbeddedRuntimeOptions): Promise<number> {
  const { config } = app;
  const jobs = new InProcessJobs(app.jobs, options.clock, app.logger);
  let lastCycleAt = options.clock();
  let lastProgressAt = lastCycleAt;
  const onResult = () => {
    lastProgressAt = options.clock();
  };
  app.syncListeners.add(onResult);
  const liveness = async (): Promise<HealthStatus> => {
    const now = options.clock();
    if (now - lastCycleAt <= 2 * config.scheduleEveryMs)
      return { ok: true, checks: { cycles: 'on schedule' } };
    if (now - lastProgressAt <= config.workers.stalledAfterMs)
      return { ok: true, checks: { cycles: 'a long cycle makes progress' } };
    return {
      ok: false,
      checks: { cycles: `no cycle started for ${Math.round((now - lastCycleAt) / 1000)} s` },
    };
  };
  const listen = options.listen === undefined ? config.server : options.listen;
  const service =
    listen === null
      ? null
      : await app.serve({ host: listen.host, port: listen.port, liveness, jobs, clock: options.clock });
  if (service !== null) options.onServing?.(service);
  let cycles = 0;
  try {
    while (!options.signal.aborted) {
      const now = options.clock();
      lastCycleAt = now;
      const results: CalendarSyncResult[] = [];
      const collect = (result: CalendarSyncResult) => results.push(result);
      app.syncListeners.add(collect);
      const { sync, rest } = slotJobs(app);
      try {
        await runAll(jobs, sync, cycleConcurrency(config));
      } finally {
        app.syncListeners.delete(collect);
      }
      for (const request of rest) await jobs.run(request);
      cycles++;
      options.onCycle(results, summarise(results), now);
      if (options.maxCycles !== undefined && cycles >= options.maxCycles) break;
      try {
        await sleep(config.scheduleEveryMs, undefined, { signal: options.signal });
      } catch (error) {
        if ((error as Error).name !== 'AbortError') throw error;
      }
    }
    await jobs.drain();
  } finally {
    app.syncListeners.delete(onResult);
    await service?.close();
  }
  return cycles;
}
