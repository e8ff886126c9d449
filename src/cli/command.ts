import { existsSync } from 'node:fs';
import { DateTime } from 'luxon';
import { withEntraDirectory } from '../app/composition-root.js';
import { type HanvisaConfig, loadConfig } from '../app/config/load-config.js';
import { UsageError } from '../domain/errors.js';
import type { Instant } from '../domain/occurrence.js';

/** Where a command writes: injectable so tests can run commands in-process too. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopSignal: AbortSignal;
}

/** Options every command understands. */
export interface CommonOptions {
  readonly config: string;
  readonly json: boolean;
  readonly now: string | undefined;
}

/** One option of a command: how it parses and what `--help` says about it. */
export interface OptionDeclaration {
  readonly type: 'string' | 'boolean';
  /** The value's name in `--help`, e.g. `time` for `--from <time>` (string options). */
  readonly value?: string;
  readonly description: string;
  /** What applies when the option is not given, as `--help` shows it (documentation only). */
  readonly default?: string;
}

export type OptionSpec = Record<string, OptionDeclaration>;

/**
 * One `hanvisa` command: its words, operands, options, examples and what it does. Returns the
 * exit code. `--config`, `--json` and `--now` are common to every command (main.ts).
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Operands in commander's syntax (`[subject...]`, `[source]`); none when absent. */
  readonly operands?: { readonly syntax: string; readonly description: string };
  readonly options: OptionSpec;
  /** Whole command lines, shown under "Examples" in `--help`. */
  readonly examples: readonly string[];
  run(context: CommandContext): Promise<number>;
}

export interface CommandContext {
  readonly io: CommandIo;
  readonly common: CommonOptions;
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: readonly string[];
}

export const DEFAULT_CONFIG = 'config/hanvisa.yaml';

/** Loads the config the command names (`--config`, default config/hanvisa.yaml). */
export function configFor(context: CommandContext): HanvisaConfig {
  if (context.common.config === DEFAULT_CONFIG && !existsSync(DEFAULT_CONFIG)) {
    throw new UsageError(`no ${DEFAULT_CONFIG} here: pass --config PATH`);
  }
  return loadConfig(context.common.config);
}

/** The config with the Entra ID opt-in group's members merged in (commands that sync or report). */
export async function directoryConfigFor(context: CommandContext): Promise<HanvisaConfig> {
  return withEntraDirectory(configFor(context));
}

/**
 * The clock of a command: `--now ISO` (a backfill or a test) or the real time. An ISO time
 * without an offset is read in the configured zone.
 */
export function nowFor(context: CommandContext, timeZone: string): Instant {
  const text = context.common.now;
  if (text === undefined) return Date.now();
  return parseInstant(text, timeZone, '--now');
}

/** Parses an ISO-8601 time or date; without an offset it is local time in `timeZone`. */
export function parseInstant(text: string, timeZone: string, option: string): Instant {
  const parsed = DateTime.fromISO(text, { zone: timeZone, setZone: false });
  if (!parsed.isValid) {
    throw new UsageError(
      `${option}: "${text}" is not an ISO-8601 time (e.g. 2026-11-30T08:00 or 2026-11-30T07:00:00Z)`,
    );
  }
  return parsed.toMillis();
}

/** ISO-8601 in UTC with `Z`, as every JSON output of hanvisa writes instants. */
export function isoUtc(instant: Instant): string {
  return new Date(instant).toISOString();
}

export function printJson(io: CommandIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
