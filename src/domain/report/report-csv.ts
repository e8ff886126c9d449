import type { LateReport, ReportRow } from './late-report.js';
import { localIsoDate, swedishTime } from './swedish-format.js';

const HEADER = [
  'regel',
  'typ',
  'medarbetare',
  'namn',
  'chef',
  'händelse',
  'datum',
  'tid',
  'kod',
  'etikett',
  'inlagd',
  'deadline',
  'minuter_sent',
  'ungefärlig',
  'räknas',
  'förslag',
];

function field(value: string | number | boolean | null): string {
  if (value === null) return '';
  const raw = typeof value === 'boolean' ? (value ? 'ja' : 'nej') : String(value);
  // A cell that starts like a formula is shown as text (an event uid comes from the calendar).
  const text = typeof value === 'string' && /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function localStamp(instant: number | null, timeZone: string): string | null {
  return instant === null
    ? null
    : `${localIsoDate(instant, timeZone)} ${swedishTime(instant, timeZone).replace('.', ':')}`;
}

function line(row: ReportRow, timeZone: string): string {
  const minutesLate =
    row.enteredAt !== null && row.deadline !== null
      ? Math.round((row.enteredAt - row.deadline) / 60_000)
      : null;
  return [
    row.rule,
    row.kind,
    row.employee,
    row.employeeName,
    row.manager,
    row.eventUid,
    localIsoDate(row.occurrenceStart, timeZone),
    swedishTime(row.occurrenceStart, timeZone).replace('.', ':'),
    row.code,
    row.label,
    localStamp(row.enteredAt, timeZone),
    localStamp(row.deadline, timeZone),
    minutesLate,
    row.approximate,
    row.counted,
    row.suggestion,
  ]
    .map(field)
    .join(';');
}

/**
 * The report as CSV for Excel in Sweden: UTF-8 with a byte-order mark, `;` between fields
 * (the comma is the decimal sign here), CRLF line ends, RFC 4180 quoting, local times in the
 * configured zone. One line per finding (late entries first, then other rules' findings).
 */
export function reportCsv(report: LateReport): string {
  const lines = [
    HEADER.join(';'),
    ...[...report.late, ...report.other].map((row) => line(row, report.timeZone)),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
