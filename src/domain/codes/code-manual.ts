import { escapeHtml } from '../report/report-html.js';
import type { CodeTable } from './code-table.js';

/** What the manual says beyond the code table itself (from the rest of the config). */
export interface CodeManualOptions {
  /** `rules.lateEntry.deadline`, e.g. `08:00`. */
  readonly deadline: string;
  /** Whether the late-entry rule is on (planned codes matter only then). */
  readonly lateEntryEnabled: boolean;
  /** `codes.private`. */
  readonly privatePolicy: 'referCodeOnly' | 'skip';
  /** `codes.fallback`: showAs → the label used without a code. */
  readonly fallback: Readonly<Partial<Record<string, { readonly label: string }>>>;
}

/** One row of the manual: a code as employees type it and what it does. */
export interface CodeManualRow {
  readonly code: string;
  readonly aliases: readonly string[];
  readonly label: string;
  readonly planned: boolean;
  /** Subjects that work, as an employee types them. */
  readonly examples: readonly string[];
}

const SHOW_AS_SV: Readonly<Record<string, string>> = {
  oof: 'Frånvarande (Out of office)',
  busy: 'Upptagen',
  tentative: 'Preliminär',
  workingElsewhere: 'Arbetar någon annanstans',
  free: 'Ledig',
  unknown: 'Okänd',
};

/** The rows of the manual, in the code table's order, with examples in the configured syntax. */
export function codeManualRows(table: CodeTable): CodeManualRow[] {
  const referred = table.syntax.referred[0] ?? ':';
  const infoOnly = table.syntax.infoOnly[0];
  return table.definitions.map((definition) => {
    const examples =
      table.syntax.position === 'prefix'
        ? [
            `${definition.code}${referred} valfri text`,
            ...(infoOnly === undefined ? [] : [`${definition.code}${infoOnly} valfri text`]),
          ]
        : [
            `valfri text ${table.syntax.marker}${definition.code}`,
            ...(infoOnly === undefined
              ? []
              : [`valfri text ${table.syntax.marker}${definition.code}${infoOnly}`]),
          ];
    return {
      code: definition.code,
      aliases: definition.aliases,
      label: definition.label,
      planned: definition.planned,
      examples,
    };
  });
}

function syntaxLines(table: CodeTable): string[] {
  const referred = table.syntax.referred.map((text) => `"${text}"`).join(' eller ');
  const infoOnly = table.syntax.infoOnly.map((text) => `"${text}"`).join(' eller ');
  const first = table.definitions[0]?.code ?? 'MÖT';
  const lines =
    table.syntax.position === 'prefix'
      ? [
          `Skriv koden först i kalenderhändelsens ämne, följd av ${referred}: då hänvisas telefonen och växeln ser orsak och när du är åter (till exempel "${first}${table.syntax.referred[0] ?? ':'} Projektmöte").`,
        ]
      : [
          `Skriv ${table.syntax.marker} och koden var som helst i ämnet (till exempel "Projektmöte ${table.syntax.marker}${first}"): då hänvisas telefonen och växeln ser orsak och när du är åter.`,
        ];
  if (table.syntax.infoOnly.length > 0) {
    lines.push(
      `Med ${infoOnly} direkt efter koden visas bara informationen för växeln; samtalen kopplas fortfarande fram.`,
    );
  }
  lines.push(
    'Stora eller små bokstäver spelar ingen roll. Resten av ämnet visas aldrig för växeln: den ser bara orsaken och tiderna.',
    'En kod som inte finns i tabellen ger ingen hänvisning; du får veta det på sidan Min kalenderkoppling, med förslag på rätt kod.',
  );
  return lines;
}

function policyLines(options: CodeManualOptions): string[] {
  const lines: string[] = [];
  if (options.lateEntryEnabled) {
    lines.push(
      `Planerade frånvaron (markerade "ja" under Planerad) ska finnas i kalendern senast kl. ${options.deadline.replace(':', '.')} samma dag, eller innan de börjar om det är tidigare. Annars syns de i chefens rapport över sena registreringar.`,
    );
  }
  lines.push(
    options.privatePolicy === 'skip'
      ? 'Privata händelser hänvisas inte.'
      : 'Privata händelser hänvisas med kodens text, inget annat.',
  );
  for (const [showAs, reason] of Object.entries(options.fallback)) {
    if (reason === undefined) continue;
    lines.push(
      `Händelser utan kod som visas som "${SHOW_AS_SV[showAs] ?? showAs}" hänvisas som "${reason.label}".`,
    );
  }
  return lines;
}

/** The code manual in Markdown, for the intranet ("Manual för koder finns på Insidan"). */
export function codeManualMarkdown(table: CodeTable, options: CodeManualOptions): string {
  const cellText = (text: string) => text.replace(/\|/g, '\\|');
  const rows = codeManualRows(table).map(
    (row) =>
      `| ${cellText(row.code)} | ${row.aliases.map(cellText).join(', ') || '–'} | ${cellText(row.label)} | ${row.planned ? 'ja' : 'nej'} | ${row.examples.map((example) => `\`${example}\``).join('<br>')} |`,
  );
  return [
    '# Manual för koder',
    '',
    ...syntaxLines(table).map((line) => `- ${line}`),
    '',
    '| Kod | Även | Växeln läser | Planerad | Exempel |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...policyLines(options).map((line) => `- ${line}`),
    '',
    'Skapad av hanvisa från den konfigurerade kodtabellen.',
    '',
  ].join('\n');
}

/** The manual's content as an HTML fragment (headings, lists and one table), for a page or a document. */
export function codeManualHtmlFragment(table: CodeTable, options: CodeManualOptions): string {
  const rows = codeManualRows(table)
    .map(
      (row) =>
        `<tr><th scope="row"><code>${escapeHtml(row.code)}</code></th>` +
        `<td>${row.aliases.length === 0 ? '–' : row.aliases.map((alias) => `<code>${escapeHtml(alias)}</code>`).join(', ')}</td>` +
        `<td>${escapeHtml(row.label)}</td><td>${row.planned ? 'ja' : 'nej'}</td>` +
        `<td>${row.examples.map((example) => `<code>${escapeHtml(example)}</code>`).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const list = (lines: readonly string[]) =>
    `<ul>\n${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('\n')}\n</ul>`;
  return [
    '<h1>Manual för koder</h1>',
    list(syntaxLines(table)),
    '<table class="codes">',
    '<caption>Koder i kalenderns ämnesrad</caption>',
    '<thead><tr><th scope="col">Kod</th><th scope="col">Även</th><th scope="col">Växeln läser</th><th scope="col">Planerad</th><th scope="col">Exempel</th></tr></thead>',
    `<tbody>\n${rows}\n</tbody>`,
    '</table>',
    '<h2>Bra att veta</h2>',
    list(policyLines(options)),
    '<p class="muted">Skapad av hanvisa från den konfigurerade kodtabellen.</p>',
  ].join('\n');
}

/** The manual as one printable HTML document with its own styles (no external files). */
export function codeManualHtmlDocument(table: CodeTable, options: CodeManualOptions): string {
  return (
    '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>Manual för koder</title>\n' +
    '<style>body{font-family:system-ui,"Segoe UI",Arial,sans-serif;color:#1f2933;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}' +
    'table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid #9aa5b1}' +
    'caption{text-align:left;font-weight:600;padding:.4rem 0}code{font-size:1em}.muted{color:#3e4c59}' +
    '@media print{body{margin:0;max-width:none}}</style>\n</head>\n<body>\n<main>\n' +
    `${codeManualHtmlFragment(table, options)}\n</main>\n</body>\n</html>\n`
  );
}
