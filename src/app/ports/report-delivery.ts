import type { Instant } from '../../domain/occurrence.js';

/** A file that travels with a report (the CSV beside the HTML). */
export interface ReportFile {
  /** A plain file name, no folders: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  readonly contentType: string;
  readonly content: string;
}

/**
 * One rendered report for one manager and period. `id` is deterministic (manager and period),
 * so saving it again overwrites the same files instead of adding copies. It names the manager
 * by id only; the address is looked up when mailing.
 */
export interface ReportDocument {
  readonly id: string;
  readonly manager: string;
  readonly subject: string;
  /** The HTML page: saved as `<id>.html`, and the body of the mail. */
  readonly html: string;
  readonly attachments: readonly ReportFile[];
}

/** A saved report whose mail has not gone out yet. */
export interface PendingDelivery {
  readonly document: ReportDocument;
  readonly attempts: number;
  /** Why the last attempt failed (no addresses, no subject text). */
  readonly lastError: string;
  readonly nextAttemptAt: Instant;
}

/**
 * Port: where reports are kept (the report folder in the embedded default). Invariants: `save`
 * is idempotent by id; a report marked pending stays listed, with its files, until
 * `clearPending`, so a failed mail is never lost; the scheduled-run mark survives restarts.
 * `checkWritable` throws a PermanentError naming the folder setting when nothing can be written.
 */
export interface ReportArchive {
  /** Where the archive writes, for messages (the folder path). */
  readonly location: string;
  checkWritable(): Promise<void>;
  /** Writes the HTML (`<id>.html`) and the attachments; returns their locations. */
  save(document: ReportDocument): Promise<string[]>;
  /** Writes single files (overwriting the same names); returns their locations. */
  writeFiles(files: readonly ReportFile[]): Promise<string[]>;
  /** Marks a saved report as waiting to be mailed (again); replaces an earlier mark of the same id. */
  markPending(document: ReportDocument, pending: Omit<PendingDelivery, 'document'>): Promise<void>;
  listPending(): Promise<PendingDelivery[]>;
  clearPending(id: string): Promise<void>;
  /** The last schedule slot whose reports were produced, or null before the first. */
  lastScheduledRun(): Promise<Instant | null>;
  recordScheduledRun(slot: Instant): Promise<void>;
}

/** One mail: HTML body and attachments. `to` is an address and stays in memory. */
export interface ReportMail {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly attachments: readonly ReportFile[];
}

/**
 * Port: sends a report mail from the configured service mailbox. Resolves once the mail service
 * accepted the mail; otherwise throws a TransientError (try later: 429, 5xx, network) or a
 * PermanentError (a permission or address problem IT must fix). Error messages never contain
 * addresses or report content.
 */
export interface ReportMailer {
  send(mail: ReportMail): Promise<void>;
}
