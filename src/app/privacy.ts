/**
 * Last line of defence for text that leaves hanvisa (logs, error messages, CLI output): feed
 * URLs and e-mail addresses are replaced. Adapters already name calendars by id; this catches
 * what a library put into an error message.
 */
const URL_PATTERN = /\b(?:https?|webcal|wss?):\/\/[^\s"'<>]+/gi;
const EMAIL_PATTERN = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

export function redactText(text: string): string {
  return text.replace(URL_PATTERN, '[url]').replace(EMAIL_PATTERN, '[email]');
}

/** A one-line, redacted description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return redactText(error.message.split('\n')[0] ?? error.name);
  return redactText(String(error));
}
