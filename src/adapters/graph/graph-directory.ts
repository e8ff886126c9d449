import type { CalendarRef } from '../../app/ports/calendar-source.js';
import type { Employee, Person } from '../../domain/directory.js';
import { PermanentError } from '../../domain/errors.js';
import { graphFailure, type RequestSubject } from './graph-errors.js';
import type { GraphHttp } from './graph-http.js';

/**
 * Where the Entra ID directory comes from: the members of `groupId` (graph.optInGroup, nested
 * groups included) are the employees whose calendars are synced — the way vendors let users
 * "order" the calendar connection by joining a group.
 */
export interface GraphDirectoryOptions {
  readonly http: GraphHttp;
  readonly clientId: string;
  readonly groupId: string;
  /** `directory`: the config directory's extension (matched by email), else businessPhones; `businessPhones`: the other way round. */
  readonly extensionFrom: 'directory' | 'businessPhones';
  /** The config's own employees: a member listed there keeps its id, extension and manager. */
  readonly configEmployees: ReadonlyMap<string, Employee>;
}

export interface GraphDirectory {
  readonly employees: Employee[];
  /** Managers found through /users/{id}/manager that are not employees themselves (report recipients). */
  readonly managers: Person[];
  /** One Graph calendar per member, addressed by the user's object id (stable, not personal). */
  readonly calendars: CalendarRef[];
  /** Members that could not be used, and why (counts only: no names). */
  readonly skipped: { readonly noExtension: number };
}

interface GraphUser {
  readonly id: string;
  readonly displayName?: string | null;
  readonly mail?: string | null;
  readonly userPrincipalName?: string | null;
  readonly businessPhones?: readonly string[];
}

const USER_SELECT = 'id,displayName,mail,userPrincipalName,businessPhones';

/**
 * Reads the opt-in group and each member's manager. Employees listed in the config directory
 * (matched by email or UPN, case-insensitively) keep their config id; others get their Entra
 * object id as id. A manager comes from the config when the member is listed there with one,
 * else from /users/{id}/manager. Fails as a whole (PermanentError for a missing group or
 * permission: Group.Read.All / User.Read.All application permissions) so a broken directory
 * never empties the calendar list.
 */
export async function loadGraphDirectory(options: GraphDirectoryOptions): Promise<GraphDirectory> {
  const subject: RequestSubject = { label: `directory group ${options.groupId}`, clientId: options.clientId };
  const members = await readMembers(options, subject);
  const byEmail = new Map<string, Employee>();
  for (const employee of options.configEmployees.values()) {
    if (employee.email !== null) byEmail.set(employee.email.toLowerCase(), employee);
  }
  const configFor = (user: GraphUser) =>
    [user.mail, user.userPrincipalName]
      .filter((value): value is string => typeof value === 'string')
      .map((value) => byEmail.get(value.toLowerCase()))
      .find((value) => value !== undefined);

  const managers = await Promise.all(
    members.map((user) =>
      (configFor(user)?.manager ?? null) !== null
        ? Promise.resolve(null)
        : readManager(options, user, subject),
    ),
  );
  const idOf = (user: GraphUser) => configFor(user)?.id ?? user.id;
  const employees: Employee[] = [];
  const calendars: CalendarRef[] = [];
  const managerPeople = new Map<string, Person>();
  const memberIds = new Set(members.map((user) => user.id));
  let noExtension = 0;
  members.forEach((user, index) => {
    const listed = configFor(user);
    const phone = user.businessPhones?.find((value) => value.trim() !== '') ?? null;
    const extension =
      options.extensionFrom === 'directory'
        ? (listed?.extension ?? phone)
        : (phone ?? listed?.extension ?? null);
    if (extension === null) {
      noExtension++;
      return;
    }
    const manager = managers[index] ?? null;
    let managerId = listed?.manager ?? null;
    if (managerId === null && manager !== null) {
      managerId = idOf(manager);
      if (!memberIds.has(manager.id) && !options.configEmployees.has(managerId)) {
        managerPeople.set(managerId, {
          id: managerId,
          name: manager.displayName ?? managerId,
          email: manager.mail ?? null,
        });
      }
    }
    const id = idOf(user);
    employees.push({
      id,
      name: listed?.name ?? user.displayName ?? id,
      email: listed?.email ?? user.mail ?? null,
      extension,
      manager: managerId,
    });
    calendars.push({ id: `${id}/graph-entra`, employee: id, kind: 'graph', address: user.id });
  });
  return { employees, managers: [...managerPeople.values()], calendars, skipped: { noExtension } };
}

async function readMembers(options: GraphDirectoryOptions, subject: RequestSubject): Promise<GraphUser[]> {
  const users: GraphUser[] = [];
  let path: string | null =
    `/groups/${encodeURIComponent(options.groupId)}/transitiveMembers/microsoft.graph.user?$select=${USER_SELECT}&$top=999`;
  for (let page = 0; path !== null; page++) {
    if (page > 1_000)
      throw new PermanentError(`${subject.label}: Graph kept paging past 1,000 pages of members`);
    const response = await options.http.get(path, {
      mailbox: `group:${options.groupId}`,
      subject,
      headers: { ConsistencyLevel: 'eventual' },
    });
    if (response.status === 404) {
      throw new PermanentError(
        `${subject.label}: group not found (404): check graph.optInGroup (the group's object id)`,
      );
    }
    if (response.status === 403) {
      throw new PermanentError(
        `${subject.label}: Graph denied reading the group (403): grant app "${options.clientId}" the application ` +
          'permissions GroupMember.Read.All and User.Read.All (admin consent)',
      );
    }
    if (response.status !== 200) throw graphFailure(response.status, response.body, subject);
    const body = response.body as { value?: GraphUser[]; '@odata.nextLink'?: string };
    for (const user of body.value ?? []) if (typeof user?.id === 'string') users.push(user);
    path =
      typeof body['@odata.nextLink'] === 'string'
        ? options.http.relativeLink(body['@odata.nextLink'], subject)
        : null;
  }
  return users;
}

async function readManager(
  options: GraphDirectoryOptions,
  user: GraphUser,
  subject: RequestSubject,
): Promise<GraphUser | null> {
  const response = await options.http.get(
    `/users/${encodeURIComponent(user.id)}/manager?$select=${USER_SELECT}`,
    {
      mailbox: user.id,
      subject,
    },
  );
  if (response.status === 404) return null;
  if (response.status !== 200) throw graphFailure(response.status, response.body, subject);
  const manager = response.body as GraphUser;
  return typeof manager?.id === 'string' ? manager : null;
}
