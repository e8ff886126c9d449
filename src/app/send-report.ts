import { isTransient } from '../domain/errors.js';
import type { Instant } from '../domain/occurrence.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { ReportArchive, ReportDocument, ReportMailer } from './ports/report-delivery.js';
import { describeError } from './privacy.js';

/** What delivering reports needs: the archive (always), a mailer (when mail is configured), the directory. */
export interface ReportDeliveryDeps {
  readonly config: Pick<HanvisaConfig, 'people'>;
  readonly archive: ReportArchive;
  /** Null: reports go to the folder only. */
  readonly mailer: ReportMailer | null;
}

export interface DeliveryOutcome {
  readonly id: string;
  readonly manager: string;
  readonly files: readonly string[];
  readonly status: 'saved' | 'mailed' | 'pending' | 'noAddress';
  readonly error: string | null;
}

const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 6 * 60 * 60_000;

/** When to try a failed mail again: 5 min, doubling per attempt, at most 6 h (or the server's Retry-After when longer). */
export function nextAttemptAt(now: Instant, attempts: number, retryAfter: number | null): Instant {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
  return now + Math.max(backoff, retryAfter ?? 0);
}

async function mail(
  deps: ReportDeliveryDeps,
  document: ReportDocument,
  files: readonly string[],
  attempts: number,
  now: Instant,
): Promise<DeliveryOutcome> {
  const base = { id: document.id, manager: document.manager, files };
  if (deps.mailer === null) return { ...base, status: 'saved', error: null };
  const to = deps.config.people.get(document.manager)?.email ?? null;
  if (to === null) return { ...base, status: 'noAddress', error: null };
  try {
    await deps.mailer.send({
      to,
      subject: document.subject,
      html: document.html,
      attachments: document.attachments,
    });
    await deps.archive.clearPending(document.id);
    return { ...base, status: 'mailed', error: null };
  } catch (error) {
    const message = `report ${document.id} for manager ${document.manager}: ${describeError(error)}`;
    const retryAfter = isTransient(error)
      ? ((error as { retryAfterMs?: number | null }).retryAfterMs ?? null)
      : null;
    await deps.archive.markPending(document, {
      attempts,
      lastError: message,
      nextAttemptAt: nextAttemptAt(now, attempts, retryAfter),
    });
    return { ...base, status: 'pending', error: message };
  }
}

/**
 * Delivers one manager's report: saved to the archive first (so it is never lost), then mailed
 * when mail is configured and the manager has an address. A failed mail (4xx or 5xx) leaves the
 * report in the folder marked pending; `retryPendingReports` sends it later. Callable from the
 * embedded scheduler and from a queue worker alike.
 */
export async function deliverReport(
  deps: ReportDeliveryDeps,
  document: ReportDocument,
  now: Instant,
): Promise<DeliveryOutcome> {
  const files = await deps.archive.save(document);
  return mail(deps, document, files, 1, now);
}

/** Sends again every pending report whose next attempt is due; each keeps its mark until it went out. */
export async function retryPendingReports(
  deps: ReportDeliveryDeps,
  now: Instant,
): Promise<DeliveryOutcome[]> {
  if (deps.mailer === null) return [];
  const outcomes: DeliveryOutcome[] = [];
  for (const pending of await deps.archive.listPending()) {
    if (pending.nextAttemptAt > now) continue;
    outcomes.push(await mail(deps, pending.document, [], pending.attempts + 1, now));
  }
  return outcomes;
}
