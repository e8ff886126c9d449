import { DateTime } from 'luxon';
import type { Instant } from '../occurrence.js';
import type { RuleFinding } from '../rules/rule.js';

/** A person in a report: an id and a display name (never an e-mail address). */
export interface ReportPerson {
  readonly id: string;
  readonly name: string;
}

export interface ReportEmployee extends ReportPerson {
  readonly manager: string | null;
}

/** What a report is about: a period [from, to), one manager or everyone, and how to count. */
export interface LateReportRequest {
  readonly from: Instant;
  readonly to: Instant;
  readonly timeZone: string;
  /** A manager id, or null for everyone. */
  readonly manager: string | null;
  /** Whether late invitations count in totals and the chart (`rules.lateEntry.countInvited`). */
  readonly countInvited: boolean;
  /** The configured deadline time (`rules.lateEntry.deadline`), for the report's explanation. */
  readonly deadline: string;
}

export interface ReportDirectory {
  readonly employees: ReadonlyMap<string, ReportEmployee>;
  readonly people: ReadonlyMap<string, ReportPerson>;
  /** Code → label, e.g. `MÖT` → `Möte`. */
  readonly labels: ReadonlyMap<string, string>;
}

/** One finding as a report shows it. No subject text: codes, labels, instants and ids only. */
export interface ReportRow {
  readonly rule: string;
  readonly kind: string;
  readonly employee: string;
  readonly employeeName: string;
  readonly manager: string | null;
  readonly eventUid: string;
  readonly occurrenceStart: Instant;
  readonly occurrenceEnd: Instant | null;
  readonly code: string | null;
  readonly label: string | null;
  readonly enteredAt: Instant | null;
  readonly deadline: Instant | null;
  readonly approximate: boolean | null;
  /** Counted in totals and the chart (late or retroactive; invited only with countInvited). */
  readonly counted: boolean;
  /** unknownCode: the code the employee probably meant. */
  readonly suggestion: string | null;
}

export interface EmployeeTotals {
  readonly employee: string;
  readonly name: string;
  readonly late: number;
  readonly retroactive: number;
  readonly invited: number;
  /** What counts: late + retroactive (+ invited with countInvited). */
  readonly counted: number;
}

export interface WeekCount {
  readonly week: number;
  readonly weekStart: Instant;
  readonly count: number;
}

/** A report, built once and rendered to JSON, CSV and HTML. */
export interface LateReport {
  readonly from: Instant;
  readonly to: Instant;
  readonly timeZone: string;
  readonly manager: ReportPerson | null;
  readonly countInvited: boolean;
  readonly deadline: string;
  /** lateEntry findings, by start then employee name. */
  readonly late: readonly ReportRow[];
  /** Other rules' findings (unknownCode, missingCode), in the same order. */
  readonly other: readonly ReportRow[];
  /** Every employee in scope, with zeros too, by name. */
  readonly totals: readonly EmployeeTotals[];
  /** Counted late entries per ISO week overlapping the period. */
  readonly weeks: readonly WeekCount[];
}

const LATE_ENTRY = 'lateEntry';

function detail<T extends string | number | boolean>(
  finding: RuleFinding,
  key: string,
  type: string,
): T | null {
  const value = finding.details[key];
  return typeof value === type ? (value as T) : null;
}

/** The employees a manager's report covers (everyone for null), by name. */
export function employeesOf(manager: string | null, directory: ReportDirectory): ReportEmployee[] {
  return [...directory.employees.values()]
    .filter((employee) => manager === null || employee.manager === manager)
    .sort((a, b) => a.name.localeCompare(b.name, 'sv') || (a.id < b.id ? -1 : 1));
}

/**
 * Builds a report from stored findings: only findings whose occurrence starts in [from, to) and
 * whose employee belongs to the manager (by the directory as it is now). Pure: the findings
 * come in, nothing is read.
 */
export function buildLateReport(
  request: LateReportRequest,
  findings: readonly RuleFinding[],
  directory: ReportDirectory,
): LateReport {
  const scope = employeesOf(request.manager, directory);
  const inScope = new Set(scope.map((employee) => employee.id));
  const rows: ReportRow[] = [];
  for (const finding of findings) {
    if (finding.occurrenceStart < request.from || finding.occurrenceStart >= request.to) continue;
    const employee = directory.employees.get(finding.employee);
    if (request.manager !== null && !inScope.has(finding.employee)) continue;
    const code = detail<string>(finding, 'code', 'string');
    const countable = finding.rule === LATE_ENTRY && (finding.kind !== 'invited' || request.countInvited);
    rows.push({
      rule: finding.rule,
      kind: finding.kind,
      employee: finding.employee,
      employeeName: employee?.name ?? finding.employee,
      manager: employee?.manager ?? null,
      eventUid: finding.eventUid,
      occurrenceStart: finding.occurrenceStart,
      occurrenceEnd: detail<number>(finding, 'occurrenceEnd', 'number'),
      code,
      label: code === null ? null : (directory.labels.get(code) ?? code),
      enteredAt: detail<number>(finding, 'enteredAt', 'number'),
      deadline: detail<number>(finding, 'deadline', 'number'),
      approximate: detail<boolean>(finding, 'approximate', 'boolean'),
      counted: countable,
      suggestion: detail<string>(finding, 'suggestion', 'string'),
    });
  }
  rows.sort(
    (a, b) =>
      a.occurrenceStart - b.occurrenceStart ||
      a.employeeName.localeCompare(b.employeeName, 'sv') ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.eventUid < b.eventUid ? -1 : a.eventUid > b.eventUid ? 1 : 0),
  );
  const late = rows.filter((row) => row.rule === LATE_ENTRY);
  const other = rows.filter((row) => row.rule !== LATE_ENTRY);
  const totals = new Map<
    string,
    { employee: string; name: string; late: number; retroactive: number; invited: number; counted: number }
  >();
  for (const employee of scope) {
    totals.set(employee.id, {
      employee: employee.id,
      name: employee.name,
      late: 0,
      retroactive: 0,
      invited: 0,
      counted: 0,
    });
  }
  for (const row of late) {
    let total = totals.get(row.employee);
    if (total === undefined) {
      total = {
        employee: row.employee,
        name: row.employeeName,
        late: 0,
        retroactive: 0,
        invited: 0,
        counted: 0,
      };
      totals.set(row.employee, total);
    }
    if (row.kind === 'late') total.late++;
    else if (row.kind === 'retroactive') total.retroactive++;
    else if (row.kind === 'invited') total.invited++;
    if (row.counted) total.counted++;
  }
  return {
    from: request.from,
    to: request.to,
    timeZone: request.timeZone,
    manager:
      request.manager === null
        ? null
        : (directory.people.get(request.manager) ?? { id: request.manager, name: request.manager }),
    countInvited: request.countInvited,
    deadline: request.deadline,
    late,
    other,
    totals: [...totals.values()].sort(
      (a, b) => a.name.localeCompare(b.name, 'sv') || (a.employee < b.employee ? -1 : 1),
    ),
    weeks: weekCounts(request, late),
  };
}

/** Every ISO week overlapping [from, to) with its counted late entries (at most 60 weeks are charted). */
function weekCounts(request: LateReportRequest, rows: readonly ReportRow[]): WeekCount[] {
  const weeks: WeekCount[] = [];
  let week = DateTime.fromMillis(request.from, { zone: request.timeZone }).startOf('week');
  while (week.toMillis() < request.to && weeks.length < 60) {
    const start = week.toMillis();
    const next = week.plus({ weeks: 1 });
    const end = next.toMillis();
    const count = rows.filter(
      (row) => row.counted && row.occurrenceStart >= start && row.occurrenceStart < end,
    ).length;
    weeks.push({ week: week.weekNumber, weekStart: start, count });
    week = next;
  }
  return weeks;
}
