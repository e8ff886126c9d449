import { createApp } from '../../app/composition-root.js';
import type { JobKind } from '../../app/jobs/job-kind.js';
import { cycleConcurrency, summarise, syncCycle } from '../../app/sync-cycle.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, directoryConfigFor, nowFor, printJson } from '../command.js';
import { renderCycle } from '../render-cycle.js';

export const syncCommand: Command = {
  name: 'sync',
  summary: 'one cycle over all calendars; exit 1 when a calendar failed',
  options: {
    once: { type: 'boolean', description: 'one cycle, then exit (required; the service is "hanvisa start")' },
    force: {
      type: 'boolean',
      description: 'apply snapshots the mass-delete guard would refuse',
      default: 'guarded',
    },
  },
  examples: [
    'hanvisa sync --once --config config/hanvisa.yaml',
    'hanvisa sync --once --config config/hanvisa.yaml --json --now 2026-11-30T08:00',
  ],
  async run(context) {
    if (context.values.once !== true) {
      throw new UsageError('sync needs --once (the long-running service is "hanvisa start")');
    }
    const config = await directoryConfigFor(context);
    const now = nowFor(context, config.timeZone);
    const app = createApp(config);
    try {
      const results = await syncCycle(app.sync, config.calendars, {
        concurrency: cycleConcurrency(config),
        now,
        force: context.values.force === true,
      });
      // Calendars gone from the directory lose their entries in the same round (as in the service).
      const departed = await (app.jobs.get('removeDepartedCalendars') as JobKind<unknown>).handle({}, now);
      const cycle = summarise(results);
      const summary = { ...cycle, deleted: cycle.deleted + (departed.counts?.deleted ?? 0) };
      if (context.common.json) printJson(context.io, summary);
      else context.io.stdout(renderCycle(results, summary, config.timeZone, now));
      for (const error of summary.errors) if (context.common.json) context.io.stderr(`${error.message}\n`);
      return summary.failed > 0 ? 1 : 0;
    } finally {
      await app.close();
    }
  },
};
