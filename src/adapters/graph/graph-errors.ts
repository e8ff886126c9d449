import { PermanentError, TransientError } from '../../domain/errors.js';

/** A Graph error body: `{ error: { code, message, innerError } }`. Only `code` is ever shown (messages can echo addresses). */
export function graphErrorCode(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[\w.-]{1,80}$/.test(code) ? code : null;
}

/** The error code of a Graph answer that is not read otherwise (mail, presence): its JSON body's `error.code`. */
export async function graphErrorCodeOf(response: Response): Promise<string | null> {
  try {
    return graphErrorCode(await response.json());
  } catch {
    return null;
  }
}

/** Answers of Graph's single requests (sendMail, presence) that trying again later can fix. */
export const GRAPH_TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** What a request was for, in words that name no person: `calendar anna/graph-1`, `directory group`. */
export interface RequestSubject {
  readonly label: string;
  readonly clientId: string;
}

/**
 * The typed error for a final, non-2xx Graph answer, with what to do about it. The message
 * names the calendar by id and the app by client id, never the mailbox address.
 */
export function graphFailure(
  status: number,
  body: unknown,
  subject: RequestSubject,
  retryAfterMs: number | null = null,
): TransientError | PermanentError {
  const code = graphErrorCode(body);
  const tag = `${status}${code === null ? '' : ` ${code}`}`;
  const { label, clientId } = subject;
  if (code === 'MailboxNotEnabledForRESTAPI' || code === 'MailboxNotSupportedForRESTAPI') {
    return new PermanentError(
      `${label}: the mailbox cannot be read through Graph (${tag}): it is on-premises, inactive or has no Exchange ` +
        'Online licence; move it to Exchange Online or give this employee an ics: calendar instead',
    );
  }
  if (
    status === 404 ||
    code === 'ErrorItemNotFound' ||
    code === 'ResourceNotFound' ||
    code === 'Request_ResourceNotFound'
  ) {
    return new PermanentError(
      `${label}: mailbox not found (${tag}): check the graph: address of this calendar in directory.employees ` +
        '(UPN or object id); the user may have been deleted or renamed',
    );
  }
  if (status === 403 || code === 'ErrorAccessDenied' || code === 'Authorization_RequestDenied') {
    return new PermanentError(
      `${label}: Graph denied access (${tag}): grant app "${clientId}" the Microsoft Graph application permission ` +
        'Calendars.Read (admin consent), and if mailbox access is scoped (Exchange application access policy or RBAC ' +
        'for Applications), include this mailbox in the scope',
    );
  }
  if (status === 401) {
    return new PermanentError(
      `${label}: Graph rejected a fresh token for app "${clientId}" (${tag}): check graph.tenantId, graph.baseUrl ` +
        '(the token is issued for its cloud) and the admin consent',
    );
  }
  if (status === 429 || status === 503 || status === 504 || status >= 500) {
    return new TransientError(`${label}: Graph is busy (${tag}); tried again later`, { retryAfterMs });
  }
  return new PermanentError(`${label}: Graph refused the request (${tag})`);
}
