import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError, Option, Command as Program } from 'commander';
import { didYouMean } from '../app/config/did-you-mean.js';
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

/** What the first word of a two-word command is about, for `hanvisa help` and `hanvisa config --help`. */
const GROUPS: Readonly<Record<string, string>> = {
  config: 'check the config, or print its JSON Schema',
  codes: 'what the code table makes of a subject',
  ics: 'what hanvisa reads from an iCal feed or file',
  report: 'reports built from the findings',
};

const EXIT_CODES = `
Exit codes: 0 ok, 1 a handled error (one line on stderr per problem), 2 bad usage.
With --json, stdout carries machine-readable output only.`;

/** hanvisa's version, from the package.json above this file (in src/ and in dist/src/ alike). */
export function hanvisaVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === 'hanvisa' && typeof manifest.version === 'string') return manifest.version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
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

/** The words of a command as the user types them: `report late`, not commander's `late`. */
function wordsOf(command: Program): string {
  const words: string[] = [];
  for (let at: Program | null = command; at?.parent; at = at.parent) words.unshift(at.name());
  return words.join(' ');
}

/** Thrown by `hanvisa help WORDS` when the words name no command. */
class UnknownCommandError extends UsageError {}

/**
 * Builds the commander program: the common options on the program (they may stand anywhere on
 * the line), one subcommand per entry of COMMANDS, grouped by their first word. Commander writes
 * help and errors through `io`, and throws instead of exiting so `main` returns the exit code.
 */
function buildProgram(io: CommandIo, run: (command: Command, leaf: Program) => Promise<void>): Program {
  const program = new Program('hanvisa')
    .description("Keeps a municipality's call-referral system in step with employees' calendars.")
    .version(hanvisaVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .configureHelp({
      showGlobalOptions: true,
      // List commands by their full words (`report late`), not by their groups (`report`).
      visibleCommands: (parent) =>
        parent.commands.flatMap((child) => (child.commands.length > 0 ? child.commands : [child])),
      subcommandTerm: (command) =>
        [
          wordsOf(command),
          command.options.length > 0 ? '[options]' : '',
          ...command.registeredArguments.map((operand) => {
            const name = `${operand.name()}${operand.variadic ? '...' : ''}`;
            return operand.required ? `<${name}>` : `[${name}]`;
          }),
        ]
          .filter((part) => part !== '')
          .join(' '),
    })
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Errors are written once by `dispatch`, in hanvisa's words.
      outputError: () => {},
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .option('--config <file>', `the config file (default: "${DEFAULT_CONFIG}")`)
    .option('--json', 'machine-readable output only on stdout')
    .option(
      '--now <time>',
      'the clock, ISO-8601; without an offset local to timeZone, e.g. 2026-11-30T08:00 (default: the real time)',
    )
    .addHelpText('after', `\nRun "hanvisa help COMMAND" (or COMMAND --help) for its options.${EXIT_CODES}`);
  const groups = new Map<string, Program>();
  for (const command of COMMANDS) {
    const [first, second] = command.name.split(' ') as [string, string | undefined];
    let parent = program;
    if (second !== undefined) {
      let group = groups.get(first);
      if (group === undefined) {
        group = program.command(first).description(GROUPS[first] ?? '');
        groups.set(first, group);
      }
      parent = group;
    }
    const leaf = parent.command(second ?? first).description(command.summary);
    if (command.operands !== undefined) leaf.argument(command.operands.syntax, command.operands.description);
    for (const [name, option] of Object.entries(command.options)) {
      const flags = option.type === 'string' ? `--${name} <${option.value ?? 'value'}>` : `--${name}`;
      const hint = option.default === undefined ? '' : ` (default: ${option.default})`;
      leaf.addOption(new Option(flags, `${option.description}${hint}`));
    }
    if (command.examples.length > 0) {
      leaf.addHelpText(
        'after',
        `\nExamples:\n${command.examples.map((example) => `  $ ${example}`).join('\n')}\n`,
      );
    }
    leaf.action(async (...args: unknown[]) => run(command, args.at(-1) as Program));
  }
  program
    .command('help')
    .argument('[command...]', 'the command, e.g. "report late"')
    .description('show help for a command (or all commands)')
    .action((words: string[]) => {
      let at = program;
      for (const word of words) {
        const next = at.commands.find((child) => child.name() === word);
        if (next === undefined) {
          const hint = didYouMean(
            word,
            at.commands.map((child) => child.name()),
          );
          const where = wordsOf(at);
          throw new UnknownCommandError(
            `unknown command "${[where, word].filter((part) => part !== '').join(' ')}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
          );
        }
        at = next;
      }
      at.outputHelp();
    });
  return program;
}

/**
 * hanvisa's one line for commander's parse errors. The suggestion for an unknown command is
 * hanvisa's own "did you mean" over the words at that level (commander's would compare with the
 * full command list the help shows); for an unknown option it is commander's.
 */
function usageLine(error: CommanderError, reached: Program): string {
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  if (error.code === 'commander.unknownCommand') {
    const word = /'([^']*)'/.exec(first)?.[1] ?? '';
    const hint = didYouMean(
      word,
      reached.commands.map((child) => child.name()),
    );
    return `unknown command "${word}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
  }
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(' ').trim())?.[1];
  // "Unknown option '--x'", as node:util's parseArgs said it before commander.
  const text = error.code === 'commander.unknownOption' ? first.replace(/^unknown/, 'Unknown') : first;
  return suggestion === undefined ? text : `${text} (did you mean "${suggestion}"?)`;
}

async function dispatch(argv: readonly string[], io: CommandIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, async (command, leaf) => {
    exitCode = await runCommand(command, leaf, io);
  });
  // The deepest command commander reached, to name it in a usage error.
  let reached: Program = program;
  for (const parent of [program, ...program.commands]) {
    parent.hook('preSubcommand', (_parent, subcommand) => {
      reached = subcommand;
    });
  }
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // `hanvisa config` without its second word: commander has shown config's help on stderr.
      if (error.code === 'commander.help') return 2;
      const where = wordsOf(reached);
      const name = where === '' ? 'hanvisa' : `hanvisa ${where}`;
      io.stderr(`${name}: ${usageLine(error, reached)}\n`);
      io.stderr(`Run "hanvisa help${where === '' ? '' : ` ${where}`}" for the options.\n`);
      return 2;
    }
    if (error instanceof UnknownCommandError) {
      io.stderr(`hanvisa help: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function runCommand(command: Command, leaf: Program, io: CommandIo): Promise<number> {
  const common = leaf.optsWithGlobals() as { config?: string; json?: boolean; now?: string };
  const parsed = leaf.opts() as Record<string, string | boolean | undefined>;
  const values: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(command.options)) {
    values[name] = parsed[new Option(`--${name}`).attributeName()];
  }
  try {
    return await command.run({
      io,
      common: { config: common.config ?? DEFAULT_CONFIG, json: common.json === true, now: common.now },
      values,
      positionals: leaf.args,
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
