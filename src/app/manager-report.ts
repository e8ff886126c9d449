import type { Instant } from '../domain/occurrence.js';
import { buildReports, reportDocument } from './build-report.js';
import type { ReportDependencies } from './report-schedule.js';
import { type DeliveryOutcome, deliverReport, retryPendingReports } from './send-report.js';

/** One manager's report for one period: what a report job names (ids and instants only). */
export interface ManagerReportRequest {
  readonly manager: string;
  readonly from: Instant;
  readonly to: Instant;
}

/**
 * Builds and delivers one manager's late-entry report (the report job's use case; the
 * embedded schedule delivers through the same `deliverReport`). The report is saved to the
 * folder before it is mailed, and its id is deterministic, so a repeated job overwrites the
 * same files; a mail that fails stays pending in the folder and `retryPendingReports` sends it
 * later, so the job itself succeeds once the report is safe.
 */
export async function sendManagerReport(
  deps: ReportDependencies,
  request: ManagerReportRequest,
  now: Instant,
): Promise<{ readonly findings: number; readonly outcome: DeliveryOutcome; readonly retried: number }> {
  const { perManager } = await buildReports(deps, { ...request });
  const report = perManager[0];
  if (report === undefined) throw new Error(`report for manager ${request.manager}: nothing was built`);
  const outcome = await deliverReport(deps, reportDocument(report), now);
  const retried = await retryPendingReports(deps, now);
  return { findings: report.late.length + report.other.length, outcome, retried: retried.length };
}
