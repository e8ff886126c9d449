import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCode } from '../../src/cli/commands/codes-check.js';
import { compileCodeTable } from '../../src/domain/codes/code-table.js';
import { parseSubject } from '../../src/domain/codes/parse-subject.js';
import { expectGolden } from '../helpers/golden.js';
import { ROOT, sampleConfig } from '../helpers/sample-config.js';

const subjects = JSON.parse(
  readFileSync(path.join(ROOT, 'fixtures/subjects/codes-subjects.json'), 'utf8'),
) as {
  prefix: string[];
  anywhere: string[];
};
const config = sampleConfig();
const prefixTable = config.codes;
const anywhereTable = compileCodeTable(config.codes.definitions, {
  ...config.codes.syntax,
  position: 'anywhere',
});

describe('code parsing', () => {
  it('matches the golden file for at least 40 subjects in both syntaxes', () => {
    expect(subjects.prefix.length + subjects.anywhere.length).toBeGreaterThanOrEqual(40);
    const actual = {
      prefix: subjects.prefix.map((subject) => checkCode(subject, prefixTable)),
      anywhere: subjects.anywhere.map((subject) => checkCode(subject, anywhereTable)),
    };
    expectGolden(
      path.join(ROOT, 'fixtures/subjects/codes-expected.json'),
      `${JSON.stringify(actual, null, 1)}\n`,
    );
  });

  it.each([
    ['MÖT: Budget', 'MÖT', 'referred'],
    ['MÖT; Budget', 'MÖT', 'infoOnly'],
    ['MO\u0308T: NFD form', 'MÖT', 'referred'],
    ['mo\u0308te; NFD alias lower case', 'MÖT', 'infoOnly'],
    ['\u200B  möt: zero-width and spaces', 'MÖT', 'referred'],
    ['KURS: alias', 'UTB', 'referred'],
  ])('%s → %s (%s)', (subject, code, mode) => {
    const parsed = parseSubject(subject, prefixTable);
    expect(parsed.kind).toBe('code');
    if (parsed.kind === 'code') {
      expect(parsed.definition.code).toBe(code);
      expect(parsed.mode).toBe(mode);
    }
  });

  it.each([
    ['Möte med MÖT: x', 'none'],
    ['Budgetmöte', 'none'],
    ['MTÖ: typo', 'unknown'],
    ['SV: reply prefix', 'none'],
    ['Långtoken: too long to be a code', 'none'],
  ])('%s → %s', (subject, kind) => {
    expect(parseSubject(subject, prefixTable).kind).toBe(kind);
  });

  it('never returns the subject text in an unknown-code result, only the token', () => {
    const parsed = parseSubject('XYZ: Hemlig utredning om Anna', prefixTable);
    expect(parsed).toEqual({ kind: 'unknown', token: 'XYZ' });
  });

  it('finds codes anywhere with the marker, and info-only right after it', () => {
    expect(parseSubject('Budget #möt', anywhereTable)).toMatchObject({ kind: 'code', mode: 'referred' });
    expect(parseSubject('Ledning #SAM; info', anywhereTable)).toMatchObject({
      kind: 'code',
      mode: 'infoOnly',
    });
    expect(parseSubject('MÖT: prefix only', anywhereTable).kind).toBe('none');
  });
});
