import { UsageError } from '../domain/errors.js';
import type { Instant } from '../domain/occurrence.js';
import { buildLateReport, type LateReport, type ReportDirectory } from '../domain/report/late-report.js';
import { reportCsv } from '../domain/report/report-csv.js';
import { reportHtml, reportSubject } from '../domain/report/report-html.js';
import { localIsoDate } from '../domain/report/swedish-format.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { ReportDocument } from './ports/report-delivery.js';
import type { StateStore } from './ports/state-store.js';

export type ReportConfig = Pick<HanvisaConfig, 'timeZone' | 'rules' | 'codes' | 'employees' | 'people'>;

/** What a report is asked for: a period [from, to) and a manager id (or everyone). */
export interface ReportQuery {
  readonly from: Instant;
  readonly to: Instant;
  readonly manager: string | null;
}

/** Everyone who manages someone in the directory, sorted. */
export function managerIds(config: Pick<HanvisaConfig, 'employees'>): string[] {
  const ids = new Set<string>();
  for (const employee of config.employees.values()) if (employee.manager !== null) ids.add(employee.manager);
  return [...ids].sort();
}

/**
 * Checks a report request before anything is read: the period must end after it starts, and a
 * manager must be someone's manager in the directory. Throws a UsageError that says what to do.
 */
export function validateReportQuery(config: ReportConfig, query: ReportQuery): void {
  if (!(query.to > query.from)) {
    throw new UsageError(
      `the period ends (${new Date(query.to).toISOString()}) before it starts (${new Date(query.from).toISOString()}): --to must be after --from`,
    );
  }
  if (query.manager !== null && !managerIds(config).includes(query.manager)) {
    const known = managerIds(config);
    throw new UsageError(
      `--manager: no manager "${query.manager}" in the directory (managers: ${known.length === 0 ? 'none' : known.join(', ')})`,
    );
  }
}

function directoryOf(config: ReportConfig): ReportDirectory {
  return {
    employees: new Map(
      [...config.employees.values()].map((employee) => [
        employee.id,
        { id: employee.id, name: employee.name, manager: employee.manager },
      ]),
    ),
    people: new Map(
      [...config.people.values()].map((person) => [person.id, { id: person.id, name: person.name }]),
    ),
    labels: new Map(config.codes.definitions.map((definition) => [definition.code, definition.label])),
  };
}

/**
 * Reads the findings of a period and builds reports: one for the query's scope (everyone, or
 * one manager), and one per manager in scope (for files and mail). Validates the query first.
 */
export async function buildReports(
  deps: { readonly config: ReportConfig; readonly state: Pick<StateStore, 'listFindings'> },
  query: ReportQuery,
): Promise<{ readonly scope: LateReport; readonly perManager: readonly LateReport[] }> {
  validateReportQuery(deps.config, query);
  const findings = await deps.state.listFindings({ from: query.from, to: query.to });
  const directory = directoryOf(deps.config);
  const request = (manager: string | null) => ({
    from: query.from,
    to: query.to,
    timeZone: deps.config.timeZone,
    manager,
    countInvited: deps.config.rules.lateEntry.countInvited,
    deadline: deps.config.rules.lateEntry.deadline,
  });
  const managers = query.manager === null ? managerIds(deps.config) : [query.manager];
  return {
    scope: buildLateReport(request(query.manager), findings, directory),
    perManager: managers.map((manager) => buildLateReport(request(manager), findings, directory)),
  };
}

/** The deterministic id of a manager's report: `late-entries-bo-2026-03-02--2026-03-08`. */
export function reportId(report: LateReport): string {
  const manager = report.manager?.id ?? 'all';
  const first = localIsoDate(report.from, report.timeZone);
  const last = localIsoDate(Math.max(report.from, report.to - 1), report.timeZone);
  return `late-entries-${manager}-${first}--${last}`;
}

/** Renders a report into the document that is saved and mailed: HTML page plus CSV attachment. */
export function reportDocument(report: LateReport): ReportDocument {
  const id = reportId(report);
  return {
    id,
    manager: report.manager?.id ?? 'all',
    subject: reportSubject(report),
    html: reportHtml(report),
    attachments: [{ name: `${id}.csv`, contentType: 'text/csv; charset=utf-8', content: reportCsv(report) }],
  };
}
