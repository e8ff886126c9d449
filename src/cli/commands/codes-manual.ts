import { writeFileSync } from 'node:fs';
import type { HanvisaConfig } from '../../app/config/load-config.js';
import {
  type CodeManualOptions,
  codeManualHtmlDocument,
  codeManualMarkdown,
} from '../../domain/codes/code-manual.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, configFor } from '../command.js';

/** What the manual says beyond the code table, from the config. */
export function manualOptions(config: HanvisaConfig): CodeManualOptions {
  return {
    deadline: config.rules.lateEntry.deadline,
    lateEntryEnabled: config.rules.lateEntry.enabled,
    privatePolicy: config.policy.private,
    fallback: config.policy.fallback,
  };
}

export const codesManualCommand: Command = {
  name: 'codes manual',
  summary: 'write the code manual for the intranet from the configured code table',
  options: {
    format: {
      type: 'string',
      value: 'html|md',
      description: 'a printable HTML page, or Markdown',
      default: 'html',
    },
    out: { type: 'string', value: 'file', description: 'write to this file', default: 'stdout' },
  },
  examples: [
    'hanvisa codes manual --config config/hanvisa.yaml --format html --out koder.html',
    'hanvisa codes manual --config config/hanvisa.yaml --format md',
  ],
  async run(context) {
    const format = (context.values.format as string | undefined) ?? 'html';
    if (format !== 'html' && format !== 'md') throw new UsageError(`--format: "${format}" is not html or md`);
    const config = configFor(context);
    const text =
      format === 'html'
        ? codeManualHtmlDocument(config.codes, manualOptions(config))
        : codeManualMarkdown(config.codes, manualOptions(config));
    const out = context.values.out as string | undefined;
    if (out === undefined) context.io.stdout(text);
    else writeFileSync(out, text);
    return 0;
  },
};
