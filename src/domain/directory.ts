/** Someone who may receive a report: a manager or an employee. */
export interface Person {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
}

/**
 * An employee of the directory: whose calendars are read, whose extension is referred, who
 * their manager is. Config and Entra ID both produce these, so adapters and app share one type.
 */
export interface Employee extends Person {
  readonly extension: string;
  readonly manager: string | null;
}
