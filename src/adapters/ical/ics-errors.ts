import { PermanentError } from '../../domain/errors.js';

/**
 * A feed that cannot be read (`format`) or that is over one of its budgets (`budget`). The
 * message says what and where (a line number, a budget name) but never the feed's address and
 * never an event's text; the ICS source prefixes the calendar id.
 */
export class IcsReadError extends PermanentError {
  readonly kind: 'format' | 'budget';
  constructor(kind: 'format' | 'budget', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}
