import type { Instant } from '../../domain/occurrence.js';

/**
 * How long a `Retry-After` header asks us to wait, in milliseconds: either delay-seconds
 * (`Retry-After: 2`) or an HTTP date (`Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`, counted
 * from `now`). Null when the header is missing or unreadable; a date in the past means 0.
 */
export function retryAfterMs(header: string | null | undefined, now: Instant): number | null {
  if (header === null || header === undefined) return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
