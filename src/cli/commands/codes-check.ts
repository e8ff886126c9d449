import type { CodeTable } from '../../domain/codes/code-table.js';
import { parseSubject } from '../../domain/codes/parse-subject.js';
import { UsageError } from '../../domain/errors.js';
import { type Command, configFor, printJson } from '../command.js';

/** What `codes check` prints for one subject (DESIGN.md's contract). */
export interface CodeCheckResult {
  readonly subject: string;
  readonly code: string | null;
  readonly reason: string | null;
  readonly label: string | null;
  readonly mode: string | null;
  readonly unknownCode?: string;
}

/** What IT sees for one subject: the code, reason, label and mode, or why there is none. */
export function checkCode(subject: string, table: CodeTable): CodeCheckResult {
  const parsed = parseSubject(subject, table);
  if (parsed.kind === 'code') {
    const { code, reason, label } = parsed.definition;
    return { subject, code, reason, label, mode: parsed.mode };
  }
  const none = { subject, code: null, reason: null, label: null, mode: null };
  return parsed.kind === 'unknown' ? { ...none, unknownCode: parsed.token } : none;
}

export const codesCheckCommand: Command = {
  name: 'codes check',
  summary: 'show which code, reason and mode each subject gets',
  operands: { syntax: '[subject...]', description: 'one or more event subjects (quote each one)' },
  options: {},
  examples: ['hanvisa codes check --config config/hanvisa.yaml "MÖT: Budget" "LUN; Lunch" "MTÖ: typo"'],
  async run(context) {
    if (context.positionals.length === 0) throw new UsageError('give at least one SUBJECT (quote it)');
    const config = configFor(context);
    printJson(
      context.io,
      context.positionals.map((subject) => checkCode(subject, config.codes)),
    );
    return 0;
  },
};
