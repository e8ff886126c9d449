import type { CodeDefinition, CodeTable, ReferralMode } from './code-table.js';
import { normaliseCodeKey } from './code-table.js';

/** What a subject says: a known code and its mode, a code-like token that is not in the table, or nothing. */
export type SubjectCode =
  | { readonly kind: 'code'; readonly definition: CodeDefinition; readonly mode: ReferralMode }
  | { readonly kind: 'unknown'; readonly token: string }
  | { readonly kind: 'none' };

const NONE: SubjectCode = { kind: 'none' };

/** A token this long or shorter that looks like a code but is not one is reported as an unknown code. */
const UNKNOWN_CODE_MAX_LENGTH = 6;
const UNKNOWN_CODE_MIN_LENGTH = 2;

/**
 * Reads the code in an event subject. Prefix syntax: the code opens the subject, then a
 * separator whose kind gives the mode (`MÖT: x` referred, `MÖT; x` info only); "Möte med MÖT: x"
 * has no code. Anywhere syntax: the marker finds the code anywhere (`Budget #MÖT`), and an
 * info-only separator right after it makes it info only.
 *
 * Matching is case-insensitive, NFC-normalised and blind to leading spaces and zero-width
 * characters. A short token with a separator that is not in the table is an unknown code, so
 * the employee can be told about the typo; the subject itself is never part of the result.
 */
export function parseSubject(subject: string, table: CodeTable): SubjectCode {
  const match = table.pattern.exec(subject.normalize('NFC'));
  if (match === null) return NONE;
  const token = match[1] as string;
  const separator = match[2];
  const memoKey = separator === undefined ? token : `${token}\u0000${separator}`;
  const known = table.memo.get(memoKey);
  if (known !== undefined) return known;
  const result = classifyToken(token, separator, table);
  if (table.memo.size < MEMO_LIMIT) table.memo.set(memoKey, result);
  return result;
}

/** Tokens are few (a code table's worth, plus typos), so their answers are memoised per table, up to a bound. */
const MEMO_LIMIT = 10_000;

function classifyToken(token: string, separator: string | undefined, table: CodeTable): SubjectCode {
  const key = normaliseCodeKey(token);
  const definition = table.byKey.get(key);
  if (definition !== undefined) {
    const mode = separator === undefined ? 'referred' : (table.separatorModes.get(separator) ?? 'referred');
    return { kind: 'code', definition, mode };
  }
  if (
    key.length < UNKNOWN_CODE_MIN_LENGTH ||
    key.length > UNKNOWN_CODE_MAX_LENGTH ||
    table.notCodes.has(key)
  ) {
    return NONE;
  }
  return { kind: 'unknown', token: key };
}
