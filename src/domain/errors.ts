/**
 * Typed errors. Every error hanvisa raises says what happened and what to do about it, and
 * says whether trying again can help: transient errors are retried (honouring Retry-After),
 * permanent ones fail the job and keep the data.
 */
export abstract class HanvisaError extends Error {
  abstract readonly transient: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Trying again later can succeed: a timeout, a 429/503, a network error, a locked database. */
export class TransientError extends HanvisaError {
  readonly transient = true;
  /** How long the other side asked us to wait, in milliseconds, when it said so. */
  readonly retryAfterMs: number | null;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number | null }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}

/**
 * The other side throttles hanvisa as a whole (Graph's 429 is per app, not per mailbox): every
 * job of the same kind should wait `retryAfterMs`, not only this one.
 */
export class ThrottledError extends TransientError {}

/** Trying again will fail the same way until someone changes something: a 404, bad data, a bad permission. */
export class PermanentError extends HanvisaError {
  readonly transient = false;
}

/** The configuration is wrong; `problems` lists every problem, each with its path. */
export class ConfigError extends PermanentError {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.join('\n')}`);
    this.problems = problems;
  }
}

/** The command line was used wrongly (exit code 2). */
export class UsageError extends PermanentError {}

/** True when trying again may help. Unknown errors (bugs, library errors) count as permanent. */
export function isTransient(error: unknown): boolean {
  return error instanceof HanvisaError && error.transient;
}
