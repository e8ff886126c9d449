import { runDistributed } from '../../../workers/main.js';
import { createApp } from '../../app/composition-root.js';
import type { HanvisaConfig } from '../../app/config/load-config.js';
import { runEmbedded } from '../../app/embedded-runtime.js';
import type { RunningService } from '../../app/ports/http-service.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, type CommandContext, directoryConfigFor, nowFor } from '../command.js';
import { renderCycle } from '../render-cycle.js';

function positiveInteger(text: string | undefined, option: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > 65_535) {
    throw new UsageError(
      min === 0 ? `${option}: a port number (0 picks a free one)` : `${option}: a whole number above zero`,
    );
  }
  return value;
}

/** What a person at this machine needs to use the service: where it is, and the token when one was made. */
function announce(context: CommandContext, service: RunningService): void {
  const say = context.common.json ? context.io.stderr : context.io.stdout;
  say(`hanvisa: serving ${service.url} (/healthz, /readyz, /metrics, /referrals)\n`);
  if (service.generatedToken !== null) {
    say(
      `hanvisa: API token for this run (loopback only): ${service.generatedToken}\n` +
        '         e.g. curl -H "Authorization: Bearer <token>" ' +
        `${service.url}/referrals ; set HANVISA_API_TOKENS to choose your own\n`,
    );
  }
}

function withPort(config: HanvisaConfig, port: number | undefined): HanvisaConfig {
  return port === undefined ? config : { ...config, server: { ...config.server, port } };
}

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
    const maxCycles = positiveInteger(context.values.cycles as string | undefined, '--cycles', 1);
    const port = positiveInteger(context.values.port as string | undefined, '--port', 0);
    const config = withPort(await directoryConfigFor(context), port);
    const offset = context.common.now === undefined ? 0 : nowFor(context, config.timeZone) - Date.now();
    const clock = () => Date.now() + offset;
    const { io } = context;
    if (config.env.redisUrl !== null) {
      return runDistributed({
        config,
        redisUrl: config.env.redisUrl,
        signal: io.stopSignal,
        clock,
        onServing: (service) => announce(context, service),
        say: (line) => {
          if (!context.common.json) io.stdout(line);
        },
      });
    }
    const app = createApp(config);
    try {
      if (!context.common.json) {
        io.stdout(
          `hanvisa: embedded runtime, ${config.calendars.length} calendars, a cycle every ${config.raw.schedule.every}; Ctrl-C stops\n`,
        );
      }
      await runEmbedded(app, {
        signal: io.stopSignal,
        clock,
        ...(maxCycles === undefined ? {} : { maxCycles }),
        onServing: (service) => announce(context, service),
        onCycle(results, summary, now) {
          if (context.common.json)
            io.stdout(`${JSON.stringify({ at: new Date(now).toISOString(), ...summary })}\n`);
          else io.stdout(renderCycle(results, summary, config.timeZone, now));
        },
      });
      if (!context.common.json) io.stdout('hanvisa: stopped\n');
      return 0;
    } finally {
      await app.close();
    }
  },
};
