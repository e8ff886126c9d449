import type { ReportMail, ReportMailer } from '../../app/ports/report-delivery.js';
import { PermanentError, TransientError } from '../../domain/errors.js';
import type { TokenProvider } from '../graph/graph-auth.js';
import { GRAPH_TRANSIENT_STATUSES, graphErrorCodeOf } from '../graph/graph-errors.js';
import { retryAfterMs } from '../http/retry-after.js';

export interface GraphMailSettings {
  /** `graph.baseUrl`, e.g. https://graph.microsoft.com/v1.0 */
  readonly baseUrl: string;
  /** `reports.mail.from`: the service mailbox the mail is sent from (kept in memory only). */
  readonly from: string;
  readonly tokens: TokenProvider;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** The JSON body Graph's `sendMail` takes: HTML body, the CSV as a file attachment, not kept in Sent Items. */
export function sendMailBody(mail: ReportMail): unknown {
  return {
    message: {
      subject: mail.subject,
      body: { contentType: 'HTML', content: mail.html },
      toRecipients: [{ emailAddress: { address: mail.to } }],
      attachments: mail.attachments.map((file) => ({
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: file.name,
        contentType: file.contentType,
        contentBytes: Buffer.from(file.content, 'utf8').toString('base64'),
      })),
    },
    saveToSentItems: false,
  };
}

/**
 * Sends report mails through Microsoft Graph: `POST {baseUrl}/users/{from}/sendMail` with an
 * application token (Mail.Send). 202 is success. A 401 gets one retry with a fresh token;
 * 408/429/5xx and network errors are transient (with Retry-After when given); any other 4xx is
 * permanent and says what to check. Messages name the setting, never the mailbox or recipient.
 */
export class GraphReportMailer implements ReportMailer {
  readonly #settings: GraphMailSettings;

  constructor(settings: GraphMailSettings) {
    this.#settings = settings;
  }

  async send(mail: ReportMail): Promise<void> {
    const url = `${this.#settings.baseUrl.replace(/\/+$/, '')}/users/${encodeURIComponent(this.#settings.from)}/sendMail`;
    const body = JSON.stringify(sendMailBody(mail));
    let response = await this.#post(url, body, false);
    if (response.status === 401) response = await this.#post(url, body, true);
    if (response.status === 202 || response.status === 200) return;
    const code = await graphErrorCodeOf(response);
    const what = `Graph sendMail from reports.mail.from failed (HTTP ${response.status}${code === null ? '' : `, ${code}`})`;
    if (GRAPH_TRANSIENT_STATUSES.has(response.status)) {
      throw new TransientError(`${what}; the report stays in the report folder and is sent again later`, {
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), (this.#settings.now ?? Date.now)()),
      });
    }
    const hint =
      response.status === 401 || response.status === 403
        ? 'give the app registration the Mail.Send application permission (and an application access policy that includes reports.mail.from)'
        : response.status === 404
          ? 'check that reports.mail.from is a mailbox in this tenant'
          : "check reports.mail.from and the managers' email addresses in directory";
    throw new PermanentError(`${what}: ${hint}; the report stays in the report folder and is retried`);
  }

  async #post(url: string, body: string, fresh: boolean): Promise<Response> {
    const token = await this.#settings.tokens.getToken(fresh);
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.#settings.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const name = (error as Error).name;
      throw new TransientError(
        `Graph sendMail could not be reached (${name === 'TimeoutError' ? 'timeout' : 'network error'}); the report stays in the report folder and is sent again later`,
        { cause: error },
      );
    }
  }
}
