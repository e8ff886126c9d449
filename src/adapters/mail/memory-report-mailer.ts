import type { ReportMail, ReportMailer } from '../../app/ports/report-delivery.js';

/** In-memory mailer: records what was sent; `failWith` makes the next sends throw (tests). */
export class MemoryReportMailer implements ReportMailer {
  readonly sent: ReportMail[] = [];
  failWith: Error | null = null;

  async send(mail: ReportMail): Promise<void> {
    if (this.failWith !== null) throw this.failWith;
    this.sent.push(mail);
  }
}
