import { setTimeout as sleep } from 'node:timers/promises';
import { DateTime, Duration } from 'luxon';
import { findWindows } from 'windows-iana';
import type { Mirror, MirrorChange, MirrorEntry, MirrorStateStore } from '../../app/ports/mirror.js';
import { PermanentError, TransientError } from '../../domain/errors.js';
import { isCurrent } from '../../domain/mirror-change.js';

import type { Instant } from '../../domain/occurrence.js';
import { referralText } from '../../domain/referral-text.js';
import type { TokenProvider } from '../graph/graph-auth.js';
import { GRAPH_TRANSIENT_STATUSES, graphErrorCodeOf } from '../graph/graph-errors.js';
import { retryAfterMs } from '../http/retry-after.js';

export interface PresencePair {
  readonly availability: string;
  readonly activity: string;
}

export interface TeamsPresenceOptions {
  readonly name: string;
  /** `graph.baseUrl`, e.g. https://graph.microsoft.com/v1.0 */
  readonly baseUrl: string;
  readonly tokens: TokenProvider;
  readonly state: MirrorStateStore;
  /** The Entra user (UPN or object id) of an employee, or null; kept in memory only. */
  readonly userFor: (employee: string) => string | null;
  /** Presence per reason; reasons not listed use `fallback`. */
  readonly presence: Readonly<Record<string, PresencePair>>;
  readonly fallback: PresencePair;
  /** Whether the status message is set (default true). */
  readonly statusMessage: boolean;
  readonly timeZone: string;
  /** Requests per 30 s this mirror sends at most (Graph allows 1,500 per app and tenant). */
  readonly requestsPer30s?: number;
  readonly timeoutMs?: number;
}

/**
 * What hanvisa set for an employee, and for which entry, so that it clears only that: the
 * preferred presence (while a referred entry is in force) and the status message (null when
 * hanvisa left the user's own message alone).
 */
interface TeamsState {
  readonly presence: { readonly entry: string; readonly until: Instant } | null;
  readonly message: { readonly entry: string; readonly text: string } | null;
}

/** An ISO 8601 duration no longer than `ms` (whole seconds, at least one). */
export function presenceDuration(ms: number): string {
  const seconds = Math.max(1, Math.floor(ms / 1000));
  return Duration.fromObject({ seconds }).shiftTo('hours', 'minutes', 'seconds').toISO() ?? `PT${seconds}S`;
}

/** Graph's dateTimeTimeZone for an instant in the configured zone (Windows zone name). */
export function graphDateTime(instant: Instant, timeZone: string): { dateTime: string; timeZone: string } {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  return {
    dateTime: local.toFormat("yyyy-MM-dd'T'HH:mm:ss"),
    timeZone: findWindows(timeZone)[0] ?? 'UTC',
  };
}

/**
 * The Teams presence mirror (`mirrors: [{ kind: teamsPresence }]`). While a referred entry is
 * current, the employee's preferred presence is set (availability/activity by reason, expiring
 * no later than the entry) and the status message says what the switchboard says ("Möte, åter
 * 14.30", expiring at the entry's end); info-only entries set the message only. When the entry
 * ends, is moved away from now or is deleted, hanvisa clears what it set and nothing else: the
 * message only when it is still the one hanvisa wrote, so a message the user wrote is never
 * touched (nor overwritten: hanvisa then leaves the message alone for that entry).
 *
 * Needs the application permission Presence.ReadWrite.All. Preferred presence shows only while
 * the user has a presence session (a signed-in Teams client); otherwise Teams shows Offline.
 * 429/5xx are transient (Retry-After honoured), 401 gets one fresh token, 403 (permission) and
 * 404 (no such user or no Teams) are permanent. Messages name the employee id, never the user.
 */
export class TeamsPresenceMirror implements Mirror {
  readonly name: string;
  readonly kind = 'teamsPresence';
  readonly receives = 'entries' as const;
  readonly #options: TeamsPresenceOptions;
  readonly #base: string;
  readonly #intervalMs: number;
  #nextSlot = 0;

  constructor(options: TeamsPresenceOptions) {
    this.name = options.name;
    this.#options = options;
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#intervalMs = 30_000 / (options.requestsPer30s ?? 1500);
  }

  async deliver(change: MirrorChange, now: Instant): Promise<void> {
    const entry = change.entry;
    if (entry === null) return;
    const stored = (await this.#options.state.getMirrorState(
      this.name,
      change.employee,
    )) as TeamsState | null;
    const state: TeamsState = { presence: stored?.presence ?? null, message: stored?.message ?? null };
    const wantsSet =
      (change.change === 'created' || change.change === 'updated' || change.change === 'current') &&
      isCurrent(entry, now);
    const next = wantsSet
      ? await this.#set(change.employee, entry, state, now)
      : await this.#clear(change.employee, entry.id, state);
    if (next !== state)
      await this.#options.state.putMirrorState(
        this.name,
        change.employee,
        next.presence === null && next.message === null ? null : next,
      );
  }

  async #set(employee: string, entry: MirrorEntry, state: TeamsState, now: Instant): Promise<TeamsState> {
    const user = this.#user(employee);
    let presence = state.presence;
    if (entry.mode === 'referred') {
      const pair = this.#options.presence[entry.reason] ?? this.#options.fallback;
      await this.#post(employee, user, 'setUserPreferredPresence', {
        availability: pair.availability,
        activity: pair.activity,
        expirationDuration: presenceDuration(entry.end - now),
      });
      presence = { entry: entry.id, until: entry.end };
    } else if (presence?.entry === entry.id) {
      // The same entry is info-only now: its presence goes; another entry's stays.
      await this.#post(employee, user, 'clearUserPreferredPresence', {});
      presence = null;
    }
    let message = state.message;
    if (this.#options.statusMessage) {
      const text = referralText(entry.label, entry.start, entry.end, this.#options.timeZone);
      const shown = await this.#currentMessage(employee, user);
      const ours = shown === '' || shown === text || shown === state.message?.text;
      if (ours) {
        await this.#post(employee, user, 'setStatusMessage', {
          statusMessage: {
            message: { content: text, contentType: 'text' },
            expiryDateTime: graphDateTime(entry.end, this.#options.timeZone),
          },
        });
        message = { entry: entry.id, text };
      } else {
        message = null;
      }
    }
    return { presence, message };
  }

  /** Clears what this entry set, and nothing another entry or the user set. */
  async #clear(employee: string, entryId: string, state: TeamsState): Promise<TeamsState> {
    if (state.presence?.entry !== entryId && state.message?.entry !== entryId) return state;
    const user = this.#user(employee);
    let { presence, message } = state;
    if (presence?.entry === entryId) {
      await this.#post(employee, user, 'clearUserPreferredPresence', {});
      presence = null;
    }
    if (message?.entry === entryId) {
      const shown = await this.#currentMessage(employee, user);
      if (shown === message.text) {
        await this.#post(employee, user, 'setStatusMessage', {
          statusMessage: { message: { content: '', contentType: 'text' } },
        });
      }
      message = null;
    }
    return { presence, message };
  }

  #user(employee: string): string {
    const user = this.#options.userFor(employee);
    if (user === null) {
      throw new PermanentError(
        `mirror ${this.name}: employee ${employee} has no Teams user: give them a graph calendar or an email in directory`,
      );
    }
    return user;
  }

  /** The status message Teams shows now ('' when none). */
  async #currentMessage(employee: string, user: string): Promise<string> {
    const response = await this.#request(
      employee,
      'GET',
      `/users/${encodeURIComponent(user)}/presence`,
      undefined,
    );
    const body = (await response.json()) as {
      statusMessage?: { message?: { content?: unknown } | null } | null;
    };
    const content = body.statusMessage?.message?.content;
    return typeof content === 'string' ? content : '';
  }

  async #post(employee: string, user: string, action: string, body: unknown): Promise<void> {
    const response = await this.#request(
      employee,
      'POST',
      `/users/${encodeURIComponent(user)}/presence/${action}`,
      body,
    );
    await response.body?.cancel();
  }

  /** Client-side pacing under Graph's presence limit, so a burst does not end in 429s. */
  async #pace(): Promise<void> {
    const now = Date.now();
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + this.#intervalMs;
    if (slot > now) await sleep(slot - now);
  }

  async #request(employee: string, method: string, path: string, body: unknown): Promise<Response> {
    const what = `mirror ${this.name}: ${path.split('/').pop()} for employee ${employee}`;
    let response: Response | null = null;
    for (const fresh of [false, true]) {
      await this.#pace();
      const token = await this.#options.tokens.getToken(fresh);
      try {
        response = await fetch(`${this.#base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          redirect: 'error',
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        const name = (error as Error).name;
        throw new TransientError(
          `${what}: Graph ${name === 'TimeoutError' ? 'did not answer in time' : 'could not be reached'}; tried again later`,
          { cause: error },
        );
      }
      if (response.status !== 401) break;
      await response.body?.cancel();
    }
    const answer = response as Response;
    if (answer.ok) return answer;
    const code = await graphErrorCodeOf(answer);
    const status = `HTTP ${answer.status}${code === null ? '' : `, ${code}`}`;
    if (GRAPH_TRANSIENT_STATUSES.has(answer.status)) {
      throw new TransientError(`${what}: Graph answered ${status}; tried again later`, {
        retryAfterMs: retryAfterMs(answer.headers.get('retry-after'), Date.now()),
      });
    }
    const hint =
      answer.status === 401 || answer.status === 403
        ? 'give the app registration the Presence.ReadWrite.All application permission (with admin consent)'
        : answer.status === 404
          ? 'the user was not found or has no Teams presence (check the mailbox in directory and the Teams licence)'
          : 'check the availability/activity pairs in mirrors[].presence';
    throw new PermanentError(`${what}: Graph answered ${status}: ${hint}`);
  }
}
