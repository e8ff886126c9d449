import type { SubjectCode } from './parse-subject.js';
/** How an employee's code refers the phone: `referred` diverts calls, `infoOnly` only shows the text. */
export type ReferralMode = 'referred' | 'infoOnly';

/** One agreed code, as IT configures it. */
export interface CodeDefinition {
  readonly code: string;
  readonly aliases: readonly string[];
  /** Machine name of the reason the referral system shows, e.g. `meeting`. */
  readonly reason: string;
  /** What the switchboard reads, e.g. `Möte`. */
  readonly label: string;
  /** Planned absences must be entered by the same morning (the late-entry rule). */
  readonly planned: boolean;
}

export interface CodeSyntax {
  /** `prefix`: the code opens the subject (`MÖT: …`); `anywhere`: a marker finds it (`… #MÖT …`). */
  readonly position: 'prefix' | 'anywhere';
  readonly referred: readonly string[];
  readonly infoOnly: readonly string[];
  readonly marker: string;
  /** Code-like tokens that are not codes and never an unknown code (reply prefixes such as `SV:`). */
  readonly notCodes: readonly string[];
}

/** A code table compiled for matching: keys are normalised once here so that parsing stays one lookup. */
export interface CodeTable {
  readonly syntax: CodeSyntax;
  readonly definitions: readonly CodeDefinition[];
  /** Normalised code or alias → definition. */
  readonly byKey: ReadonlyMap<string, CodeDefinition>;
  readonly notCodes: ReadonlySet<string>;
  readonly separatorModes: ReadonlyMap<string, ReferralMode>;
  readonly pattern: RegExp;
  /**
   * Answers already worked out, by raw token and separator. The results are immutable and the
   * same for the same input, so this only saves work; it is bounded (see parseSubject).
   */
  readonly memo: Map<string, SubjectCode>;
}

/**
 * The one normalisation every code key and every token goes through: NFC, upper case, no
 * invisible characters. `MÖT` typed as O + combining diaeresis and `möt` both become `MÖT`.
 */
export function normaliseCodeKey(token: string): string {
  const visible = INVISIBLE.test(token) ? token.replace(INVISIBLE_ALL, '') : token;
  return visible.normalize('NFC').toUpperCase();
}

const INVISIBLE = /[\u200B-\u200D\u2060\u00AD\uFEFF]/;
const INVISIBLE_ALL = /[\u200B-\u200D\u2060\u00AD\uFEFF]/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Compiles the configured table into one precompiled RegExp and one Map. Duplicate codes or
 * aliases are rejected by the config schema before this runs; here the last one would win.
 */
export function compileCodeTable(definitions: readonly CodeDefinition[], syntax: CodeSyntax): CodeTable {
  const byKey = new Map<string, CodeDefinition>();
  for (const definition of definitions) {
    for (const key of [definition.code, ...definition.aliases]) byKey.set(normaliseCodeKey(key), definition);
  }
  const separatorModes = new Map<string, ReferralMode>();
  for (const separator of syntax.referred) separatorModes.set(separator, 'referred');
  for (const separator of syntax.infoOnly) separatorModes.set(separator, 'infoOnly');
  const separators = [...separatorModes.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
  const token =
    '([\\p{L}\\p{M}\\u200B-\\u200D\\u2060\\u00AD][\\p{L}\\p{M}\\p{N}\\u200B-\\u200D\\u2060\\u00AD]*)';
  const pattern =
    syntax.position === 'prefix'
      ? new RegExp(`^[\\s\\u200B-\\u200D\\u2060\\u00AD]*${token}[ \\t\\u00A0]*(${separators})`, 'u')
      : new RegExp(`(?:^|[\\s([{,])${escapeRegExp(syntax.marker)}${token}(${separators})?`, 'u');
  return {
    syntax,
    definitions,
    byKey,
    notCodes: new Set(syntax.notCodes.map(normaliseCodeKey)),
    separatorModes,
    pattern,
    memo: new Map(),
  };
}
