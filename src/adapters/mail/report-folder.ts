import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  PendingDelivery,
  ReportArchive,
  ReportDocument,
  ReportFile,
} from '../../app/ports/report-delivery.js';
import { PermanentError } from '../../domain/errors.js';
import type { Instant } from '../../domain/occurrence.js';

const SAFE_NAME = /^\.?\w[\w.-]*$/;
const PENDING_SUFFIX = '.pending.json';
const SCHEDULE_FILE = '.hanvisa-report-schedule.json';

interface PendingMarker {
  readonly id: string;
  readonly manager: string;
  readonly subject: string;
  readonly attachments: readonly { readonly name: string; readonly contentType: string }[];
  readonly attempts: number;
  readonly lastError: string;
  readonly nextAttemptAt: Instant;
}

function safeName(name: string): string {
  if (!SAFE_NAME.test(name)) throw new PermanentError(`report file name "${name}" is not a plain file name`);
  return name;
}

/**
 * The report folder (`reports.folder`, or `--out`): `<id>.html` and its attachments side by
 * side, `<id>.pending.json` beside a report whose mail has not gone out yet (it holds the
 * manager id, attempts and the last error; never an address), and the scheduled-run mark.
 * Files are written to a temporary name and renamed, so a crash never leaves half a report.
 */
export class FolderReportArchive implements ReportArchive {
  readonly location: string;
  /** `setting` names the config key in messages, e.g. `reports.folder` or `--out`. */
  readonly #setting: string;

  constructor(folder: string, setting = 'reports.folder') {
    this.location = folder;
    this.#setting = setting;
  }

  #fail(action: string, error: unknown): PermanentError {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return new PermanentError(
      `${this.#setting} (${this.location}): cannot ${action} (${code}); make the folder writable for hanvisa or choose another one`,
      { cause: error },
    );
  }

  async #write(name: string, content: string): Promise<string> {
    const target = path.join(this.location, safeName(name));
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, content, 'utf8');
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw this.#fail(`write ${name}`, error);
    }
    return target;
  }

  async checkWritable(): Promise<void> {
    try {
      await mkdir(this.location, { recursive: true });
    } catch (error) {
      throw this.#fail('create the folder', error);
    }
    const probe = await this.#write('.hanvisa-write-test', 'ok');
    await rm(probe, { force: true });
  }

  async save(document: ReportDocument): Promise<string[]> {
    return this.writeFiles([
      { name: `${document.id}.html`, contentType: 'text/html; charset=utf-8', content: document.html },
      ...document.attachments,
    ]);
  }

  async writeFiles(files: readonly ReportFile[]): Promise<string[]> {
    await this.checkWritable();
    const written: string[] = [];
    for (const file of files) written.push(await this.#write(file.name, file.content));
    return written;
  }

  async markPending(document: ReportDocument, pending: Omit<PendingDelivery, 'document'>): Promise<void> {
    try {
      await readFile(path.join(this.location, `${safeName(document.id)}.html`), 'utf8');
    } catch (error) {
      throw this.#fail(`find ${document.id}.html to keep it for a retry`, error);
    }
    const marker: PendingMarker = {
      id: document.id,
      manager: document.manager,
      subject: document.subject,
      attachments: document.attachments.map((file) => ({ name: file.name, contentType: file.contentType })),
      attempts: pending.attempts,
      lastError: pending.lastError,
      nextAttemptAt: pending.nextAttemptAt,
    };
    await this.#write(`${document.id}${PENDING_SUFFIX}`, `${JSON.stringify(marker, null, 2)}\n`);
  }

  async #readMarker(name: string): Promise<PendingMarker> {
    const text = await readFile(path.join(this.location, name), 'utf8');
    return JSON.parse(text) as PendingMarker;
  }

  async listPending(): Promise<PendingDelivery[]> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.#fail('read the folder', error);
    }
    const result: PendingDelivery[] = [];
    for (const name of names.filter((item) => item.endsWith(PENDING_SUFFIX)).sort()) {
      const marker = await this.#readMarker(name);
      let html: string;
      const attachments: ReportFile[] = [];
      try {
        html = await readFile(path.join(this.location, `${safeName(marker.id)}.html`), 'utf8');
        for (const file of marker.attachments) {
          attachments.push({
            name: file.name,
            contentType: file.contentType,
            content: await readFile(path.join(this.location, safeName(file.name)), 'utf8'),
          });
        }
      } catch (error) {
        throw new PermanentError(
          `${this.#setting} (${this.location}): the report ${marker.id} waiting to be mailed lost a file ` +
            `(${(error as NodeJS.ErrnoException).code ?? 'error'}); restore it or delete ${name}`,
        );
      }
      result.push({
        document: { id: marker.id, manager: marker.manager, subject: marker.subject, html, attachments },
        attempts: marker.attempts,
        lastError: marker.lastError,
        nextAttemptAt: marker.nextAttemptAt,
      });
    }
    return result;
  }

  async clearPending(id: string): Promise<void> {
    await rm(path.join(this.location, `${safeName(id)}${PENDING_SUFFIX}`), { force: true });
  }

  async lastScheduledRun(): Promise<Instant | null> {
    try {
      const text = await readFile(path.join(this.location, SCHEDULE_FILE), 'utf8');
      const value = (JSON.parse(text) as { lastSlot?: unknown }).lastSlot;
      return typeof value === 'number' ? value : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.#fail(`read ${SCHEDULE_FILE}`, error);
    }
  }

  async recordScheduledRun(slot: Instant): Promise<void> {
    await mkdir(this.location, { recursive: true }).catch((error: unknown) => {
      throw this.#fail('create the folder', error);
    });
    await this.#write(
      SCHEDULE_FILE,
      `${JSON.stringify({ lastSlot: slot, at: new Date(slot).toISOString() })}\n`,
    );
  }
}
