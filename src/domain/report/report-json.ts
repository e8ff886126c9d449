import type { Instant } from '../occurrence.js';
import type { LateReport } from './late-report.js';

/** One finding in DESIGN.md's `report late` JSON; instants are ISO-8601 UTC with `Z`. */
export interface LateReportJsonFinding {
  readonly rule: string;
  readonly kind: string;
  readonly employee: string;
  readonly manager: string | null;
  readonly eventUid: string;
  readonly occurrenceStart: string;
  readonly code: string | null;
  readonly enteredAt: string | null;
  readonly deadline: string | null;
  readonly approximate: boolean | null;
}

export interface LateReportJson {
  readonly from: string;
  readonly to: string;
  readonly findings: readonly LateReportJsonFinding[];
}

const iso = (instant: Instant | null) => (instant === null ? null : new Date(instant).toISOString());

/** The JSON contract of `hanvisa report late` (DESIGN.md): every finding, late entries and others, by start. */
export function reportJson(report: LateReport): LateReportJson {
  const rows = [...report.late, ...report.other].sort(
    (a, b) => a.occurrenceStart - b.occurrenceStart || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  return {
    from: iso(report.from) as string,
    to: iso(report.to) as string,
    findings: rows.map((row) => ({
      rule: row.rule,
      kind: row.kind,
      employee: row.employee,
      manager: row.manager,
      eventUid: row.eventUid,
      occurrenceStart: iso(row.occurrenceStart) as string,
      code: row.code,
      enteredAt: iso(row.enteredAt),
      deadline: iso(row.deadline),
      approximate: row.approximate,
    })),
  };
}
