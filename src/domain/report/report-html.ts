import type { LateReport, ReportRow } from './late-report.js';
import {
  swedishDate,
  swedishDayMonth,
  swedishDuration,
  swedishPeriod,
  swedishTime,
} from './swedish-format.js';

/**
 * The manager's report as one HTML page in Swedish, built for Outlook: layout tables, inline
 * styles only, no external CSS, fonts, images or scripts, and the weekly chart drawn with
 * table cells of a background colour (Outlook for Windows renders neither SVG nor CSS widths
 * on divs). No subject text: employee, date, time, code label and instants only.
 */

const FONT = "font-family:'Segoe UI',Arial,Helvetica,sans-serif;";
const CELL = `${FONT}font-size:13px;padding:6px 10px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top;`;
const HEAD = `${FONT}font-size:12px;padding:6px 10px;border-bottom:2px solid #9aa5b1;text-align:left;color:#52606d;font-weight:600;`;
const NUM = 'text-align:right;';
const BAR_COLOUR = '#c0392b';
const BAR_MAX_PX = 240;

/** What each finding kind is called in Swedish, in the mailed report and on the reports page. */
export const KIND_LABELS: Readonly<Record<string, string>> = {
  late: 'Sen',
  retroactive: 'I efterhand',
  invited: 'Inbjuden',
  unknown: 'Okänd kod',
  busy: 'Upptagen utan kod',
  oof: 'Frånvarande utan kod',
};

/** What each rule (other than lateEntry) is called in Swedish. */
export const RULE_LABELS: Readonly<Record<string, string>> = {
  unknownCode: 'Okänd kod',
  missingCode: 'Saknar kod',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function table(headers: readonly [string, boolean][], rows: readonly string[]): string {
  const head = headers
    .map(([text, numeric]) => `<th style="${HEAD}${numeric ? NUM : ''}">${escapeHtml(text)}</th>`)
    .join('');
  return (
    '<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="border-collapse:collapse;margin:0 0 24px 0;">' +
    `<tr>${head}</tr>${rows.join('')}</table>`
  );
}

function cell(text: string, numeric = false, extra = ''): string {
  return `<td style="${CELL}${numeric ? NUM : ''}${extra}">${text}</td>`;
}

function kindText(row: ReportRow): string {
  const label = KIND_LABELS[row.kind] ?? row.kind;
  return row.kind === 'invited' && !row.counted ? `${label} (räknas ej)` : label;
}

function lateRow(row: ReportRow, timeZone: string): string {
  const time =
    row.occurrenceEnd === null
      ? swedishTime(row.occurrenceStart, timeZone)
      : `${swedishTime(row.occurrenceStart, timeZone)}–${swedishTime(row.occurrenceEnd, timeZone)}`;
  const approx = row.approximate === true ? '≈ ' : '';
  let entered = '–';
  let deadline = '–';
  let howLate = '–';
  if (row.enteredAt !== null) {
    const sameDay =
      swedishDayMonth(row.enteredAt, timeZone) === swedishDayMonth(row.occurrenceStart, timeZone);
    entered = `${approx}${sameDay ? '' : `${swedishDayMonth(row.enteredAt, timeZone)} `}${swedishTime(row.enteredAt, timeZone)}`;
  }
  if (row.deadline !== null) deadline = swedishTime(row.deadline, timeZone);
  if (row.enteredAt !== null && row.deadline !== null) {
    howLate = `${approx}${swedishDuration(row.enteredAt - row.deadline)}`;
  }
  const muted = row.counted ? '' : 'color:#7b8794;';
  return (
    `<tr>${cell(escapeHtml(row.employeeName), false, muted)}` +
    cell(escapeHtml(swedishDate(row.occurrenceStart, timeZone)), false, muted) +
    cell(escapeHtml(time), false, `${muted}white-space:nowrap;`) +
    cell(escapeHtml(row.label ?? row.code ?? '–'), false, muted) +
    cell(escapeHtml(entered), false, `${muted}white-space:nowrap;`) +
    cell(escapeHtml(deadline), false, muted) +
    cell(escapeHtml(howLate), true, `${muted}white-space:nowrap;`) +
    `${cell(escapeHtml(kindText(row)), false, muted)}</tr>`
  );
}

function otherRow(row: ReportRow, timeZone: string): string {
  const what = row.suggestion === null ? '' : `Menade du ${row.suggestion}?`;
  return (
    `<tr>${cell(escapeHtml(row.employeeName))}` +
    cell(escapeHtml(swedishDate(row.occurrenceStart, timeZone))) +
    cell(escapeHtml(swedishTime(row.occurrenceStart, timeZone))) +
    cell(escapeHtml(RULE_LABELS[row.rule] ?? row.rule)) +
    cell(escapeHtml(KIND_LABELS[row.kind] ?? row.kind)) +
    `${cell(escapeHtml(what))}</tr>`
  );
}

function bar(count: number, max: number): string {
  if (count === 0 || max === 0) return '&nbsp;';
  const width = Math.max(6, Math.round((count / max) * BAR_MAX_PX));
  return (
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="${width}" style="border-collapse:collapse;">` +
    `<tr><td width="${width}" height="14" bgcolor="${BAR_COLOUR}" style="background-color:${BAR_COLOUR};height:14px;` +
    'font-size:1px;line-height:1px;mso-line-height-rule:exactly;">&nbsp;</td></tr></table>'
  );
}

/** Swedish genitive: `Bo Bergs`, but `Lars` and `Ines` stay as they are. */
function genitive(name: string): string {
  return /[sxz]$/i.test(name) ? name : `${name}s`;
}

/** Renders the report page. */
export function reportHtml(report: LateReport): string {
  const zone = report.timeZone;
  const period = swedishPeriod(report.from, report.to, zone);
  const weeks = report.weeks.map((week) => week.week);
  const weekText =
    weeks.length === 1
      ? `v. ${weeks[0]}`
      : weeks.length > 1
        ? `v. ${weeks[0]}–${weeks[weeks.length - 1]}`
        : '';
  const who = report.manager === null ? 'Alla medarbetare' : `${genitive(report.manager.name)} medarbetare`;
  const counted = report.late.filter((row) => row.counted).length;
  const invitedNote = report.countInvited
    ? 'Möten som medarbetaren blivit inbjuden till räknas med.'
    : 'Möten som medarbetaren blivit inbjuden till visas men räknas inte.';
  const parts: string[] = [];
  parts.push(
    `<h1 style="${FONT}font-size:22px;font-weight:600;margin:0 0 4px 0;color:#1f2933;">Sena registreringar</h1>`,
    `<p style="${FONT}font-size:14px;margin:0 0 16px 0;color:#52606d;">${escapeHtml(who)} · ${escapeHtml(period)}${weekText === '' ? '' : ` (${weekText})`}</p>`,
    `<p style="${FONT}font-size:14px;margin:0 0 20px 0;color:#1f2933;">Planerade möten ska finnas i hänvisningssystemet senast kl. ${escapeHtml(
      report.deadline.replace(':', '.'),
    )} samma dag, eller när mötet börjar om det är tidigare, så att växeln kan svara rätt hela dagen. ` +
      `Perioden har <strong>${counted}</strong> ${counted === 1 ? 'sen registrering' : 'sena registreringar'}. ${escapeHtml(invitedNote)}</p>`,
  );
  parts.push(
    `<h2 style="${FONT}font-size:16px;font-weight:600;margin:0 0 8px 0;color:#1f2933;">Per medarbetare</h2>`,
  );
  parts.push(
    table(
      [
        ['Medarbetare', false],
        ['Sena', true],
        ['I efterhand', true],
        ['Inbjudna', true],
        ['Totalt', true],
      ],
      report.totals.map(
        (total) =>
          `<tr>${cell(escapeHtml(total.name))}${cell(String(total.late), true)}${cell(String(total.retroactive), true)}` +
          `${cell(String(total.invited), true)}${cell(`<strong>${total.counted}</strong>`, true)}</tr>`,
      ),
    ),
  );
  const max = Math.max(0, ...report.weeks.map((week) => week.count));
  parts.push(
    `<h2 style="${FONT}font-size:16px;font-weight:600;margin:0 0 8px 0;color:#1f2933;">Sena registreringar per vecka</h2>`,
  );
  parts.push(
    '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:0 0 24px 0;">' +
      report.weeks
        .map(
          (week) =>
            `<tr><td style="${FONT}font-size:13px;padding:3px 10px 3px 0;white-space:nowrap;color:#52606d;">v. ${week.week}</td>` +
            `<td width="${BAR_MAX_PX}" style="padding:3px 0;">${bar(week.count, max)}</td>` +
            `<td style="${FONT}font-size:13px;padding:3px 0 3px 10px;${NUM}">${week.count}</td></tr>`,
        )
        .join('') +
      '</table>',
  );
  parts.push(
    `<h2 style="${FONT}font-size:16px;font-weight:600;margin:0 0 8px 0;color:#1f2933;">Alla sena registreringar</h2>`,
  );
  parts.push(
    report.late.length === 0
      ? `<p style="${FONT}font-size:14px;margin:0 0 24px 0;">Inga sena registreringar under perioden.</p>`
      : table(
          [
            ['Medarbetare', false],
            ['Datum', false],
            ['Tid', false],
            ['Kod', false],
            ['Inlagd', false],
            ['Senast', false],
            ['Hur sent', true],
            ['Typ', false],
          ],
          report.late.map((row) => lateRow(row, zone)),
        ),
  );
  if (report.other.length > 0) {
    parts.push(
      `<h2 style="${FONT}font-size:16px;font-weight:600;margin:0 0 8px 0;color:#1f2933;">Övriga avvikelser</h2>`,
    );
    parts.push(
      table(
        [
          ['Medarbetare', false],
          ['Datum', false],
          ['Tid', false],
          ['Regel', false],
          ['Typ', false],
          ['Att göra', false],
        ],
        report.other.map((row) => otherRow(row, zone)),
      ),
    );
  }
  parts.push(
    `<p style="${FONT}font-size:12px;margin:0;color:#7b8794;">Sen: inlagd efter tidsgränsen. I efterhand: inlagd när mötet redan hade börjat. ` +
      '≈: ungefärlig tid (kalendern angav inte exakt när mötet lades in). Rapporten visar aldrig mötenas ämnen. Skapad av hanvisa.</p>',
  );
  const title = `Sena registreringar ${period}`;
  return (
    '<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(title)}</title>\n</head>\n` +
    `<body style="margin:0;padding:0;background-color:#ffffff;">\n` +
    '<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="border-collapse:collapse;">' +
    `<tr><td style="padding:20px;">\n<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="max-width:900px;border-collapse:collapse;"><tr><td>\n` +
    `${parts.join('\n')}\n</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n`
  );
}

/** The mail subject for a report: `Sena registreringar 2–8 mars 2026 (v. 10)`. */
export function reportSubject(report: LateReport): string {
  const weeks = report.weeks.map((week) => week.week);
  const week = weeks.length === 1 ? ` (v. ${weeks[0]})` : '';
  return `Sena registreringar ${swedishPeriod(report.from, report.to, report.timeZone)}${week}`;
}
