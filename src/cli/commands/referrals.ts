import { createApp } from '../../app/composition-root.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, configFor, printJson } from '../command.js';
import { entryJson } from '../render-cycle.js';

export const referralsCommand: Command = {
  name: 'referrals',
  summary: "print the register's entries as JSON",
  options: {
    employee: {
      type: 'string',
      value: 'id',
      description: 'only this employee (an id of directory.employees)',
      default: 'everyone',
    },
  },
  examples: ['hanvisa referrals --config config/hanvisa.yaml --employee anna'],
  async run(context) {
    const config = configFor(context);
    const employee = context.values.employee as string | undefined;
    if (employee !== undefined && !config.employees.has(employee)) {
      throw new UsageError(`--employee: no employee "${employee}" in directory.employees`);
    }
    const app = createApp(config);
    try {
      const entries = await app.sink.list(employee === undefined ? {} : { employee });
      printJson(
        context.io,
        entries.map((entry) => entryJson(entry, config.timeZone)),
      );
      return 0;
    } finally {
      await app.close();
    }
  },
};
