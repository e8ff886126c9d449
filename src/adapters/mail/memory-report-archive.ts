import type {
  PendingDelivery,
  ReportArchive,
  ReportDocument,
  ReportFile,
} from '../../app/ports/report-delivery.js';
import { PermanentError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';

/** In-memory report archive: the fake for tests, held to the same contract as the report folder. */
export class MemoryReportArchive implements ReportArchive {
  readonly location = 'memory';
  readonly documents = new Map<string, ReportDocument>();
  readonly #pending = new Map<string, Omit<PendingDelivery, 'document'>>();
  #lastRun: Instant | null = null;

  async checkWritable(): Promise<void> {}

  async save(document: ReportDocument): Promise<string[]> {
    this.documents.set(document.id, document);
    return this.writeFiles([
      { name: `${document.id}.html`, contentType: 'text/html; charset=utf-8', content: document.html },
      ...document.attachments,
    ]);
  }

  readonly files = new Map<string, ReportFile>();

  async writeFiles(files: readonly ReportFile[]): Promise<string[]> {
    for (const file of files) this.files.set(file.name, file);
    return files.map((file) => file.name);
  }

  async markPending(document: ReportDocument, pending: Omit<PendingDelivery, 'document'>): Promise<void> {
    if (!this.documents.has(document.id)) throw new PermanentError(`report ${document.id} was not saved`);
    this.#pending.set(document.id, pending);
  }

  async listPending(): Promise<PendingDelivery[]> {
    return [...this.#pending.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, pending]) => ({ ...pending, document: this.documents.get(id) as ReportDocument }));
  }

  async clearPending(id: string): Promise<void> {
    this.#pending.delete(id);
  }

  async lastScheduledRun(): Promise<Instant | null> {
    return this.#lastRun;
  }

  async recordScheduledRun(slot: Instant): Promise<void> {
    this.#lastRun = slot;
  }
}
