import { type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { describeError } from '../src/app/privacy.js';
import { isTransient } from '../src/domain/errors.js';
import type { Instant } from '../src/domain/occurrence.js';
import { reportJobSchema } from './jobs.js';
import { RetryLaterError } from './sync-processor.js';

/** One manager's report for one period, built and delivered (the report use case). */
export interface ReportRequest {
  readonly manager: string;
  readonly from: Instant;
  readonly to: Instant;
}

/**
 * The report use case as the worker calls it (the embedded runtime calls the same one).
 * Throws TransientError when delivery may succeed later (mail server busy), PermanentError
 * otherwise. Returns counts only.
 */
export type ReportHandler = (request: ReportRequest, now: Instant) => Promise<{ readonly findings: number }>;

/** The BullMQ processor of one report job: validate the ids, call the report use case. */
export function createReportProcessor(deps: {
  readonly report: ReportHandler | null;
  readonly clock: () => Instant;
  readonly logger: Logger;
}) {
  return async (job: Job): Promise<{ status: string; findings: number }> => {
    const parsed = reportJobSchema.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`report job ${job.id}: data is not {manager, from, to}`);
    if (deps.report === null) {
      deps.logger.warn(
        { job: job.id, manager: parsed.data.manager },
        'no report use case in this build; skipped',
      );
      return { status: 'skipped', findings: 0 };
    }
    try {
      const { findings } = await deps.report(parsed.data, deps.clock());
      deps.logger.info({ job: job.id, manager: parsed.data.manager, findings }, 'report sent');
      return { status: 'sent', findings };
    } catch (error) {
      const message = `report for manager ${parsed.data.manager}: ${describeError(error)}`;
      if (isTransient(error))
        throw new RetryLaterError(message, (error as { retryAfterMs?: number }).retryAfterMs ?? null);
      throw new UnrecoverableError(message);
    }
  };
}
