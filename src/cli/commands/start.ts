import { runDistributed } from '../../../workers/main.js';
import { createApp } from '../../app/composition-root.js';
import { runEmbedded } from '../../app/embedded-runtime.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, directoryConfigFor, nowFor } from '../command.js';
import { renderCycle } from '../render-cycle.js';

export const startCommand: Command = {
  name: 'start',
  summary: 'the long-running service (embedded; BullMQ workers when REDIS_URL is set)',
  options: {
    cycles: { type: 'string', value: 'n', description: 'stop after N cycles', default: 'run until stopped' },
    port: {
      type: 'string',
      value: 'n',
      description: 'HTTP port, 0 picks a free one',
      default: 'server.port of the config',
    },
  },
  examples: [
    'hanvisa start --config config/hanvisa.yaml',
    'REDIS_URL=redis://127.0.0.1:6379 hanvisa start --config config/hanvisa.yaml',
  ],
  async run(context) {
    const config = await directoryConfigFor(context);
    const cyclesText = context.values.cycles as string | undefined;
    const maxCycles = cyclesText === undefined ? undefined : Number(cyclesText);
    if (maxCycles !== undefined && !(Number.isInteger(maxCycles) && maxCycles > 0)) {
      throw new UsageError('--cycles: a whole number above zero');
    }
    const offset = context.common.now === undefined ? 0 : nowFor(context, config.timeZone) - Date.now();
    const portText = context.values.port as string | undefined;
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
      throw new UsageError('--port: a port number (0 picks a free one)');
    }
    if (config.env.redisUrl !== null) {
      return runDistributed({
        config,
        redisUrl: config.env.redisUrl,
        signal: context.io.stopSignal,
        clock: () => Date.now() + offset,
        say: (line) => {
          if (!context.common.json) context.io.stdout(line);
        },
        ...(port === undefined ? {} : { port }),
      });
    }
    const app = createApp(config);
    const { io } = context;
    if (!context.common.json) {
      io.stdout(
        `hanvisa: embedded runtime, ${config.calendars.length} calendars, a cycle every ${config.raw.schedule.every}; Ctrl-C stops\n`,
      );
    }
    try {
      await runEmbedded(app, {
        everyMs: config.scheduleEveryMs,
        signal: io.stopSignal,
        clock: () => Date.now() + offset,
        ...(maxCycles === undefined ? {} : { maxCycles }),
        onCycle(results, summary, now) {
          if (context.common.json)
            io.stdout(`${JSON.stringify({ at: new Date(now).toISOString(), ...summary })}\n`);
          else io.stdout(renderCycle(results, summary, config.timeZone, now));
        },
        onReports(reports) {
          const saved = reports.delivered.length + reports.retried.length;
          if (saved > 0) io.stderr(`hanvisa: ${saved} report(s) delivered or retried\n`);
          for (const error of reports.errors) io.stderr(`hanvisa: ${error}\n`);
        },
      });
      if (!context.common.json) io.stdout('hanvisa: stopped\n');
      return 0;
    } finally {
      await app.close();
    }
  },
};
