import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ReferralQuery } from '../../app/ports/referral-sink.js';
import {
  CALENDAR_SOURCE,
  isCalendarEntryId,
  MANUAL_SOURCE,
  type ReferralEntry,
  referralContentHash,
} from '../../domain/referral-entry.js';
import type { VersionedEntry } from '../sinks/sqlite-referral-sink.js';
import { type ApiCredentials, type Principal, requireApiCredential } from './api-auth.js';
import type { HttpRoutes } from './http-service.js';

export type { VersionedEntry };

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

const text = (max: number) => z.string().min(1).max(max);

/** The body of PUT /referrals/{id}: a referral entry (the server recomputes contentHash). */
export const entryBodySchema = z.strictObject({
  id: text(200),
  employee: text(200),
  extension: text(100),
  reason: text(100),
  label: text(200),
  mode: z.enum(['referred', 'infoOnly']),
  start: z.number().int(),
  end: z.number().int(),
  source: text(100).optional(),
  sourceRef: z
    .strictObject({
      calendar: z.string().max(200),
      uid: z.string().max(1000),
      recurrenceId: z.string().max(100).nullable(),
    })
    .optional(),
  contentHash: z.string().max(100).optional(),
  version: z.number().int().optional(),
});

const NO_SOURCE_REF = { calendar: '', uid: '', recurrenceId: null } as const;

function etag(version: number): string {
  return `"${version}"`;
}

function present(item: VersionedEntry) {
  return { ...item.entry, version: item.version };
}

/** Checks If-Match / If-None-Match against the current version; returns a problem or null. */
function preconditionFailure(request: FastifyRequest, current: VersionedEntry | null): string | null {
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

/** Only hanvisa's own sync credential may write or remove what the calendar connection owns. */
function ownsCalendarEntries(principal: Principal | undefined): boolean {
  return principal?.kind === 'sync';
}

const RESERVED =
  'ids of 32 hex digits are those of calendar entries: give a manual entry another id (e.g. a UUID)';

const OWNED =
  'this referral comes from the employee calendar and is kept by hanvisa: change the calendar event, or write a manual entry with another id';

/** The entry a PUT writes: what the body says, except what only sync may claim. */
function entryFromBody(
  body: z.infer<typeof entryBodySchema>,
  principal: Principal | undefined,
): ReferralEntry {
  const { version: _version, contentHash: _hash, source, sourceRef, ...fields } = body;
  const sync = ownsCalendarEntries(principal);
  return {
    ...fields,
    source: sync ? (source ?? CALENDAR_SOURCE) : MANUAL_SOURCE,
    sourceRef: sync ? (sourceRef ?? NO_SOURCE_REF) : NO_SOURCE_REF,
    contentHash: referralContentHash(fields),
  };
}

function problem(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ error: message });
}

/**
 * Serves the referral register's REST contract (openapi/referral-register.yaml) under
 * `/referrals`: list by employee, source and calendar; get, upsert (PUT) and delete by id; a
 * version per entry as ETag, If-Match optional. Every call needs a credential. Ownership cannot
 * be claimed: an API client's entries are `manual` whatever its body says, and an entry the
 * calendar connection owns can be changed or removed only by hanvisa's own sync credential.
 */
export function registerRoutes(register: VersionedRegister, credentials: ApiCredentials): HttpRoutes {
  return (server) => {
    server.addHook('preHandler', requireApiCredential(credentials));
    server.get('/referrals', async (request) => {
      const params = request.query as Record<string, unknown>;
      const query: { employee?: string; source?: string; calendar?: string } = {};
      for (const key of ['employee', 'source', 'calendar'] as const) {
        const value = params[key];
        if (typeof value === 'string') query[key] = value;
      }
      return { entries: register.listSync(query).map(present) };
    });
    server.get('/referrals/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      const current = register.getSync(id);
      if (current === null) return problem(reply, 404, `no entry ${id}`);
      return reply.header('etag', etag(current.version)).send(present(current));
    });
    server.put('/referrals/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(request.headers['content-type'] ?? '').startsWith('application/json'))
        return problem(reply, 415, 'send the entry as application/json');
      const parsed = entryBodySchema.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return problem(reply, 400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
      }
      if (parsed.data.id !== id) return problem(reply, 400, 'id: the body id differs from the path id');
      if (parsed.data.end < parsed.data.start) return problem(reply, 400, 'end: before start');
      const current = register.getSync(id);
      if (
        current !== null &&
        current.entry.source === CALENDAR_SOURCE &&
        !ownsCalendarEntries(request.principal)
      )
        return problem(reply, 409, OWNED);
      if (current === null && isCalendarEntryId(id) && !ownsCalendarEntries(request.principal))
        return problem(reply, 409, RESERVED);
      const failure = preconditionFailure(request, current);
      if (failure !== null) return problem(reply, 412, failure);
      const entry = entryFromBody(parsed.data, request.principal);
      const version = register.upsertSync(entry);
      return reply
        .code(current === null ? 201 : 200)
        .header('etag', etag(version))
        .send({ ...entry, version });
    });
    server.delete('/referrals/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      const current = register.getSync(id);
      if (current === null) return problem(reply, 404, `no entry ${id}`);
      if (current.entry.source === CALENDAR_SOURCE && !ownsCalendarEntries(request.principal))
        return problem(reply, 409, OWNED);
      const failure = preconditionFailure(request, current);
      if (failure !== null) return problem(reply, 412, failure);
      register.deleteSync(id);
      return reply.code(204).send();
    });
  };
}
