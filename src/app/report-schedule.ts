import { CronExpressionParser } from 'cron-parser';
import { PermanentError } from '../domain/errors.js';
import type { Instant } from '../domain/occurrence.js';
import { reportPeriod } from '../domain/report/report-period.js';
import { buildReports, type ReportConfig, reportDocument } from './build-report.js';
import type { StateStore } from './ports/state-store.js';
import { describeError } from './privacy.js';
import { type DeliveryOutcome, deliverReport, type ReportDeliveryDeps } from './send-report.js';

/** Everything the scheduled reports need; wired once by the composition root. */
export interface ReportDependencies extends ReportDeliveryDeps {
  readonly config: ReportConfig &
    ReportDeliveryDeps['config'] & { readonly reports: { readonly schedule: string } };
  readonly state: Pick<StateStore, 'listFindings'>;
}

/** A schedule slot and the period its reports cover. */
export interface ReportSlot {
  readonly slot: Instant;
  readonly from: Instant;
  readonly to: Instant;
}

function parse(schedule: string, timeZone: string, at: Instant) {
  try {
    return CronExpressionParser.parse(schedule, { currentDate: new Date(at), tz: timeZone });
  } catch (error) {
    throw new PermanentError(
      `reports.schedule "${schedule}" is not a cron expression (${describeError(error)}), e.g. "0 7 * * 1"`,
    );
  }
}

/**
 * The latest slot of `schedule` (cron, in the zone) at or before `now`, and its period: from
 * local midnight of the slot before it to local midnight of the slot's own day. The default
 * `0 7 * * 1` (Mondays 07:00) thus covers the previous Monday to Sunday, a daily schedule the
 * previous day, a monthly one the previous month.
 */
export function latestSlot(schedule: string, timeZone: string, now: Instant): ReportSlot {
  const slots = parse(schedule, timeZone, now + 1);
  const slot = slots.prev().getTime();
  const before = slots.prev().getTime();
  return { slot, ...reportPeriod(before, slot, timeZone) };
}

export interface ScheduledReportsResult {
  /** The slot whose reports were produced in this call, or null when none was due. */
  readonly slot: ReportSlot | null;
  readonly delivered: readonly DeliveryOutcome[];
  readonly errors: readonly string[];
}

/**
 * The scheduled use case: when a slot of `reports.schedule` has passed since the last one
 * produced, builds every manager's report for the slot's period and delivers it (folder, then
 * mail). Pending mails are sent again by `retryPendingReports` (the retryPendingMail job). The slot is recorded after the reports
 * were saved, so a crash repeats the slot (saving is idempotent) rather than skipping it. On the
 * very first call (nothing recorded) the current slot is recorded and no back-dated reports are
 * sent. Never throws: problems come back in `errors`, each naming the manager or setting.
 * Both runtimes run it every schedule slot (the sendDueReports job).
 */
export async function sendDueReports(
  deps: ReportDependencies,
  now: Instant,
): Promise<ScheduledReportsResult> {
  const errors: string[] = [];
  let slot: ReportSlot | null = null;
  const delivered: DeliveryOutcome[] = [];
  try {
    const latest = latestSlot(deps.config.reports.schedule, deps.config.timeZone, now);
    const last = await deps.archive.lastScheduledRun();
    if (last === null) {
      await deps.archive.recordScheduledRun(latest.slot);
    } else if (latest.slot > last) {
      slot = latest;
      const reports = await buildReports(deps, { from: latest.from, to: latest.to, manager: null });
      for (const report of reports.perManager) {
        const outcome = await deliverReport(deps, reportDocument(report), now);
        delivered.push(outcome);
        if (outcome.error !== null) errors.push(outcome.error);
      }
      await deps.archive.recordScheduledRun(latest.slot);
    }
  } catch (error) {
    errors.push(`scheduled reports: ${describeError(error)}`);
  }
  return { slot, delivered, errors };
}
