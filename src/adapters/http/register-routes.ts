import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ReferralQuery } from '../../app/ports/referral-sink.js';
import { type ReferralEntry, referralContentHash } from '../../domain/referral-entry.js';

/** A register entry with its version (bumped on every change; served as the ETag). */
export interface VersionedEntry {
  readonly entry: ReferralEntry;
  readonly version: number;
}

/**
 * What the REST service needs of a register: synchronous, so a conditional write (If-Match)
 * is checked and applied without another request slipping in between. The embedded SQLite
 * register implements it.
 */
export interface VersionedRegister {
  listSync(query: ReferralQuery): VersionedEntry[];
  getSync(id: string): VersionedEntry | null;
  /** Upserts by id; returns the version afterwards (unchanged content keeps the version). */
  upsertSync(entry: ReferralEntry): number;
  deleteSync(id: string): boolean;
}

/** Credentials the service accepts; none set means an open register (bind it to loopback). */
export interface RegisterAuth {
  readonly token: string | null;
  readonly user: string | null;
  readonly password: string | null;
}

const MAX_BODY_BYTES = 64 * 1024;

/** The body of PUT /referrals/{id}: a referral entry (the server recomputes contentHash). */
export const entryBodySchema = z.strictObject({
  id: z.string().min(1).max(200),
  employee: z.string().min(1).max(200),
  extension: z.string().min(1).max(100),
  reason: z.string().min(1).max(100),
  label: z.string().min(1).max(200),
  mode: z.enum(['referred', 'infoOnly']),
  start: z.number().int(),
  end: z.number().int(),
  source: z.string().min(1).max(100),
  sourceRef: z.strictObject({
    calendar: z.string().min(1).max(200),
    uid: z.string().min(1).max(1000),
    recurrenceId: z.string().max(100).nullable(),
  }),
  contentHash: z.string().max(100).optional(),
  version: z.number().int().optional(),
});

function etag(version: number): string {
  return `"${version}"`;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendProblem(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message });
}

function authorised(request: IncomingMessage, auth: RegisterAuth): boolean {
  if (auth.token === null && auth.user === null) return true;
  const header = request.headers.authorization ?? '';
  if (auth.token !== null && header === `Bearer ${auth.token}`) return true;
  if (auth.user !== null) {
    const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password ?? ''}`).toString('base64')}`;
    if (header === expected) return true;
  }
  return false;
}

async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks If-Match / If-None-Match against the current version; returns a problem or null. */
function preconditionFailure(request: IncomingMessage, current: VersionedEntry | null): string | null {
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined) {
    if (current === null) return 'If-Match: the entry does not exist';
    const tags = ifMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (!tags.includes('*') && !tags.includes(etag(current.version))) {
      return `If-Match: the entry is at version ${current.version}`;
    }
  }
  if (request.headers['if-none-match']?.trim() === '*' && current !== null) {
    return 'If-None-Match: the entry exists';
  }
  return null;
}

function present(item: VersionedEntry) {
  return { ...item.entry, version: item.version };
}

/**
 * Serves the referral register's REST contract (openapi/referral-register.yaml) under
 * `/referrals`: list by employee, source and calendar; get, upsert (PUT) and delete by id;
 * a version per entry as ETag, If-Match optional. Returns false when the path is not its own.
 */
export async function handleRegisterRequest(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  register: VersionedRegister,
  auth: RegisterAuth,
): Promise<boolean> {
  const match = /^\/referrals(?:\/([^/]+))?\/?$/.exec(url.pathname);
  if (match === null) return false;
  if (!authorised(request, auth)) {
    response.setHeader('www-authenticate', auth.token !== null ? 'Bearer' : 'Basic realm="hanvisa"');
    sendProblem(response, 401, 'missing or wrong credentials');
    return true;
  }
  const idText = match[1];
  if (idText === undefined) {
    if (request.method !== 'GET') {
      response.setHeader('allow', 'GET');
      sendProblem(response, 405, 'only GET on /referrals');
      return true;
    }
    const query: { employee?: string; source?: string; calendar?: string } = {};
    for (const key of ['employee', 'source', 'calendar'] as const) {
      const value = url.searchParams.get(key);
      if (value !== null) query[key] = value;
    }
    sendJson(response, 200, { entries: register.listSync(query).map(present) });
    return true;
  }
  let id: string;
  try {
    id = decodeURIComponent(idText);
  } catch {
    sendProblem(response, 400, 'the id in the path is not valid percent-encoding');
    return true;
  }
  switch (request.method) {
    case 'GET': {
      const current = register.getSync(id);
      if (current === null) sendProblem(response, 404, `no entry ${id}`);
      else sendJson(response, 200, present(current), { etag: etag(current.version) });
      return true;
    }
    case 'PUT': {
      if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
        sendProblem(response, 415, 'send the entry as application/json');
        return true;
      }
      const text = await readBody(request);
      if (text === null) {
        sendProblem(response, 413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
        return true;
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        sendProblem(response, 400, 'the body is not JSON');
        return true;
      }
      const parsed = entryBodySchema.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        sendProblem(response, 400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
        return true;
      }
      if (parsed.data.id !== id) {
        sendProblem(response, 400, 'id: the body id differs from the path id');
        return true;
      }
      if (parsed.data.end < parsed.data.start) {
        sendProblem(response, 400, 'end: before start');
        return true;
      }
      const current = register.getSync(id);
      const failure = preconditionFailure(request, current);
      if (failure !== null) {
        sendProblem(response, 412, failure);
        return true;
      }
      const { version: _version, contentHash: _hash, ...fields } = parsed.data;
      const entry: ReferralEntry = { ...fields, contentHash: referralContentHash(fields) };
      const version = register.upsertSync(entry);
      sendJson(response, current === null ? 201 : 200, { ...entry, version }, { etag: etag(version) });
      return true;
    }
    case 'DELETE': {
      const current = register.getSync(id);
      if (current === null) {
        sendProblem(response, 404, `no entry ${id}`);
        return true;
      }
      const failure = preconditionFailure(request, current);
      if (failure !== null) {
        sendProblem(response, 412, failure);
        return true;
      }
      register.deleteSync(id);
      response.writeHead(204).end();
      return true;
    }
    default:
      response.setHeader('allow', 'GET, PUT, DELETE');
      sendProblem(response, 405, `${request.method} is not supported on /referrals/{id}`);
      return true;
  }
}
