import { parseArgs } from 'node:util';
import { describeError } from '../app/privacy.js';
import { ConfigError, UsageError } from '../domain/errors.js';
import { type Command, type CommandIo, DEFAULT_CONFIG } from './command.js';
import { codesCheckCommand } from './commands/codes-check.js';
import { configSchemaCommand, configValidateCommand } from './commands/config-validate.js';
import { icsExpandCommand } from './commands/ics-expand.js';
import { referralsCommand } from './commands/referrals.js';
import { reportLateCommand } from './commands/report-late.js';
import { startCommand } from './commands/start.js';
import { syncCommand } from './commands/sync.js';

/** Every command, by its words. Add a command here with one line. */
export const COMMANDS: readonly Command[] = [
  configValidateCommand,
  configSchemaCommand,
  codesCheckCommand,
  icsExpandCommand,
  syncCommand,
  referralsCommand,
  reportLateCommand,
  startCommand,
];

const COMMON_OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  now: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(): string {
  const lines = COMMANDS.map((command) => `  hanvisa ${command.usage.padEnd(70)} ${command.summary}`);
  return `Usage:\n${lines.join('\n')}\n\nCommon options: --config F (default ${DEFAULT_CONFIG}), --json, --now ISO\n`;
}

function defaultIo(): CommandIo & { dispose: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stopSignal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/**
 * The `hanvisa` command. Exit codes: 0 success, 1 a handled error (one line on stderr per
 * problem), 2 bad usage. With `--json`, stdout carries machine-readable output only.
 */
export async function main(argv: readonly string[], io?: CommandIo): Promise<number> {
  const own = io === undefined ? defaultIo() : null;
  const effectiveIo = io ?? (own as CommandIo);
  try {
    return await dispatch(argv, effectiveIo);
  } finally {
    own?.dispose();
  }
}

async function dispatch(argv: readonly string[], io: CommandIo): Promise<number> {
  const words = argv.filter((arg) => !arg.startsWith('-')).slice(0, 2);
  const command =
    COMMANDS.find((candidate) => candidate.name === words.join(' ')) ??
    COMMANDS.find((candidate) => candidate.name === words[0]);
  if (command === undefined) {
    if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
      io.stdout(usage());
      return argv.length === 0 ? 2 : 0;
    }
    io.stderr(`hanvisa: unknown command "${words.join(' ')}"\n${usage()}`);
    return 2;
  }
  const rest = [...argv];
  for (const word of command.name.split(' ')) rest.splice(rest.indexOf(word), 1);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, ...command.options },
      allowPositionals: command.allowPositionals,
      strict: true,
    });
  } catch (error) {
    io.stderr(`hanvisa ${command.name}: ${describeError(error)}\nusage: hanvisa ${command.usage}\n`);
    return 2;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (values.help === true) {
    io.stdout(`usage: hanvisa ${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run({
      io,
      common: {
        config: (values.config as string | undefined) ?? DEFAULT_CONFIG,
        json: values.json === true,
        now: values.now as string | undefined,
      },
      values,
      positionals: parsed.positionals,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`hanvisa ${command.name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    io.stderr(`hanvisa ${command.name}: ${describeError(error)}\n`);
    return 1;
  }
}
