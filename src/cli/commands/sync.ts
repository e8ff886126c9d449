import { createApp } from '../../app/composition-root.js';
import { cycleConcurrency, summarise, syncCycle } from '../../app/sync-cycle.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, directoryConfigFor, nowFor, printJson } from '../command.js';
import { renderCycle } from '../render-cycle.js';

export const syncCommand: Command = {
  name: 'sync',
  summary: 'one cycle over all calendars; exit 1 when a calendar failed',
  usage: 'sync --config F --once [--force] [--json] [--now ISO]',
  options: { once: { type: 'boolean' }, force: { type: 'boolean' } },
  allowPositionals: false,
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
      const summary = summarise(results);
      if (context.common.json) printJson(context.io, summary);
      else context.io.stdout(renderCycle(results, summary, config.timeZone, now));
      for (const error of summary.errors) if (context.common.json) context.io.stderr(`${error.message}\n`);
      return summary.failed > 0 ? 1 : 0;
    } finally {
      await app.close();
    }
  },
};
