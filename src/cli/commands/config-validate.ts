import { configJsonSchema } from '../../app/config/config-schema.js';
import { loadConfig } from '../../app/config/load-config.js';
import { ConfigError } from '../../domain/errors.js';
import { type Command, printJson } from '../command.js';

export const configValidateCommand: Command = {
  name: 'config validate',
  summary: 'validate a config; print every problem with its path',
  options: {},
  examples: [
    'hanvisa config validate --config config/hanvisa.yaml',
    'hanvisa config validate --config config/hanvisa.yaml --json',
  ],
  async run({ io, common }) {
    try {
      const config = loadConfig(common.config, undefined, { checkFeedFiles: true });
      const summary = {
        valid: true,
        file: common.config,
        employees: config.employees.size,
        calendars: config.calendars.length,
        codes: config.codes.definitions.length,
      };
      if (common.json) printJson(io, summary);
      else
        io.stdout(
          `${common.config}: valid (${summary.employees} employees, ${summary.calendars} calendars, ${summary.codes} codes)\n`,
        );
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError) || !common.json) throw error;
      printJson(io, { valid: false, file: common.config, problems: error.problems });
      io.stderr(`${error.message}\n`);
      return 1;
    }
  },
};

export const configSchemaCommand: Command = {
  name: 'config schema',
  summary: "print the config's JSON Schema (config/hanvisa.schema.json is this output)",
  options: {},
  examples: ['hanvisa config schema > config/hanvisa.schema.json'],
  async run({ io }) {
    printJson(io, configJsonSchema());
    return 0;
  },
};
