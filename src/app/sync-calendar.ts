import { randomBytes } from 'node:crypto';
import { type DesiredEntries, desiredEntries } from '../domain/desired-entries.js';
import { isTransient, PermanentError } from '../domain/errors.js';
import type { Instant, Occurrence, TimeSpan } from '../domain/occurrence.js';
import { afterPlan, heldIds, type Plan, reconcile, registerDigest } from '../domain/reconcile.js';
import { isCalendarOwned, type ReferralEntry, sourceRefUid } from '../domain/referral-entry.js';
import { syncWindow } from '../domain/sync-window.js';
import { entriesHeldForUnreadable, unreadableEventFindings } from '../domain/unreadable-event.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { CalendarRef, CalendarSource, FetchResult } from './ports/calendar-source.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { StateStore } from './ports/state-store.js';
import { describeError } from './privacy.js';
import type { RuleRunner } from './rule-hook.js';

/** Everything a sync needs, wired once by the composition root. */
export interface SyncDependencies {
  readonly config: Pick<HanvisaConfig, 'timeZone' | 'window' | 'policy' | 'employees' | 'massDelete'>;
  readonly sourceFor: (calendar: CalendarRef) => CalendarSource;
  readonly sink: ReferralSink;
  readonly state: StateStore;
  readonly rules?: RuleRunner;
}

export type CalendarSyncStatus = 'synced' | 'unchanged' | 'failed' | 'refused';

/** The outcome of one calendar's round; `error` names the calendar by id and says what to do. */
export interface CalendarSyncResult {
  readonly calendar: string;
  readonly status: CalendarSyncStatus;
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly findings: number;
  readonly error: string | null;
  /** Whether trying again may help (for the queue's retry decision). */
  readonly transient: boolean;
  readonly retryAfterMs: number | null;
  /** The applied plan's changes, for the CLI to show what was referred. */
  readonly changes: {
    readonly created: readonly ReferralEntry[];
    readonly updated: readonly ReferralEntry[];
  };
  readonly warnings: readonly string[];
}

export interface SyncOptions {
  readonly now: Instant;
  /** Apply a plan the mass-delete guard refused. */
  readonly force?: boolean;
}

function emptyResult(calendar: string, status: CalendarSyncStatus): CalendarSyncResult {
  return {
    calendar,
    status,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    findings: 0,
    error: null,
    transient: false,
    retryAfterMs: null,
    changes: { created: [], updated: [] },
    warnings: [],
  };
}

/** The state store's name of the uid key (`sourceRefUid`). */
export const UID_KEY_NAME = 'sourceRefUidKey';

/**
 * The key `sourceRef.uid` is hashed with: generated once (256 random bits) and kept in the
 * state store, so every process and every restart sharing that store hashes alike. Read on
 * every round, not cached: after a state store lost its data, every process converges on the
 * one new key instead of each keeping its own. Losing the key only changes `sourceRef.uid`
 * (the next full read updates it); entry ids do not depend on it.
 */
export function uidKeyOf(state: Pick<StateStore, 'ensureSecret'>): Promise<string> {
  return state.ensureSecret(UID_KEY_NAME, randomBytes(32).toString('base64url'));
}

/**
 * Brings the register in step with one calendar: fetch, plan, apply, remember. A source that
 * fails yields no plan (existing referrals stay, the cursor stays, the error is recorded and
 * returned, never thrown: one bad calendar does not stop the others). The source's cursor is
 * stored only after the plan was applied, so a crash in between repeats the round instead of
 * losing it. Running the same round twice plans nothing the second time.
 *
 * Drift repair: after each applied round the digest of the calendar's own entries is stored;
 * a round that finds the register's digest different (an entry changed, added or deleted
 * behind hanvisa's back, or no digest yet) fetches without the cursor, so the source reads the
 * calendar in full (iCal: no unchanged short-cut; Graph: a new delta round) and the plan
 * restores what hanvisa owns, even though the calendar itself did not change.
 */
export async function syncCalendar(
  deps: SyncDependencies,
  calendar: CalendarRef,
  options: SyncOptions,
): Promise<CalendarSyncResult> {
  const { now } = options;
  const previous = await deps.state.getSyncState(calendar.id);
  const recordFailure = async (result: CalendarSyncResult) => {
    await deps.state.putSyncState({
      calendar: calendar.id,
      cursor: previous?.cursor ?? null,
      lastSyncAt: now,
      lastSuccessAt: previous?.lastSuccessAt ?? null,
      lastError: result.error,
      registerDigest: previous?.registerDigest ?? null,
    });
    return result;
  };
  try {
    const employee = deps.config.employees.get(calendar.employee);
    if (employee === undefined) {
      throw new PermanentError(
        `calendar ${calendar.id}: employee "${calendar.employee}" is not in the directory`,
      );
    }
    const window = syncWindow(now, deps.config.timeZone, deps.config.window);
    const uidKey = await uidKeyOf(deps.state);
    const current = await deps.sink.list({ calendar: calendar.id });
    const digest = registerDigest(current, calendar.id);
    const drifted = previous?.registerDigest !== digest;
    const warnings: string[] = [];
    if (drifted && previous !== null && previous.registerDigest !== null) {
      warnings.push(
        `calendar ${calendar.id}: its referrals were changed outside hanvisa; read in full and restored`,
      );
    }
    const fetched = await deps
      .sourceFor(calendar)
      .fetch(calendar, window, drifted ? null : (previous?.cursor ?? null));
    if (fetched.kind === 'unchanged') {
      await deps.state.putSyncState({
        calendar: calendar.id,
        cursor: fetched.cursor ?? previous?.cursor ?? null,
        lastSyncAt: now,
        lastSuccessAt: now,
        lastError: null,
        registerDigest: digest,
      });
      return emptyResult(calendar.id, 'unchanged');
    }
    const owner = { employee: employee.id, extension: employee.extension, calendar: calendar.id };
    const occurrences = fetched.kind === 'snapshot' ? fetched.occurrences : fetched.changed;
    const desired = desiredEntries(occurrences, owner, deps.config.policy, uidKey);
    const unreadable = fetched.kind === 'snapshot' ? (fetched.unreadable ?? []) : [];
    const wanted =
      fetched.kind === 'snapshot'
        ? [...desired.entries, ...entriesHeldForUnreadable(current, desired.entries, unreadable, uidKey)]
        : mergeDelta(desired, fetched, current, uidKey);
    const held = heldIds(wanted, current, calendar.id).length;
    if (held > 0) {
      warnings.push(
        `calendar ${calendar.id}: ${held} referral(s) not written: their ids are held by entries hanvisa does not own (manual)`,
      );
    }
    const plan = reconcile(wanted, current, {
      calendar: calendar.id,
      window,
      now,
      guard: deps.config.massDelete,
      force: options.force === true || fetched.kind === 'delta',
      uidKey,
    });
    if (plan.refused !== null) {
      const share = Math.round(deps.config.massDelete.maxShare * 100);
      return recordFailure({
        ...counts(calendar.id, 'refused', plan),
        error:
          `calendar ${calendar.id}: mass-delete guard: the snapshot would delete ${plan.refused.deletes} of ` +
          `${plan.refused.futureEntries} future referrals (more than ${share} %); nothing was changed. ` +
          'If the calendar really was emptied, run "hanvisa sync --once --force".',
      });
    }
    await deps.sink.apply(plan);
    const findings = await recordObservations(
      deps,
      calendar,
      window,
      now,
      desired,
      occurrences,
      previous?.lastSuccessAt ?? null,
      uidKey,
    );
    if (unreadable.length > 0)
      await deps.state.addFindings(
        unreadableEventFindings(calendar.id, employee.id, unreadable, now, uidKey),
      );
    await deps.state.putSyncState({
      calendar: calendar.id,
      cursor: fetched.cursor,
      lastSyncAt: now,
      lastSuccessAt: now,
      lastError: null,
      registerDigest: registerDigest(afterPlan(current, plan), calendar.id),
    });
    return {
      ...counts(calendar.id, 'synced', plan),
      findings,
      changes: { created: plan.creates, updated: plan.updates },
      warnings: [...warnings, ...fetched.warnings],
    };
  } catch (error) {
    const message = describeError(error);
    return recordFailure({
      ...emptyResult(calendar.id, 'failed'),
      error: message.includes(calendar.id) ? message : `calendar ${calendar.id}: ${message}`,
      transient: isTransient(error),
      retryAfterMs: (error as { retryAfterMs?: number | null }).retryAfterMs ?? null,
    });
  }
}

function counts(calendar: string, status: CalendarSyncStatus, plan: Plan): CalendarSyncResult {
  return {
    ...emptyResult(calendar, status),
    created: plan.creates.length,
    updated: plan.updates.length,
    deleted: plan.deletes.length,
    unchanged: plan.unchanged,
  };
}

/**
 * A delta round's desired state: the current entries, less those of removed occurrences and of
 * occurrences the delta re-describes (matched by keyed uid and recurrence id), plus what the
 * changed occurrences call for now.
 */
function mergeDelta(
  desired: DesiredEntries,
  delta: Extract<FetchResult, { kind: 'delta' }>,
  current: readonly ReferralEntry[],
  uidKey: string,
): ReferralEntry[] {
  const keyed = (uid: string) => sourceRefUid(uidKey, uid);
  const restated = new Set(
    delta.changed.map((occurrence) => instanceKey(keyed(occurrence.uid), occurrence.recurrenceId)),
  );
  const restatedSeries = new Set(
    delta.changed.filter((item) => item.recurrenceId === null).map((item) => keyed(item.uid)),
  );
  const removed = delta.removed.map((item) => ({ uid: keyed(item.uid), start: item.start }));
  const kept = current.filter((entry) => {
    if (!isCalendarOwned(entry)) return false;
    const { uid, recurrenceId } = entry.sourceRef;
    if (restated.has(instanceKey(uid, recurrenceId)) || (recurrenceId === null && restatedSeries.has(uid)))
      return false;
    return !removed.some(
      (removed) => removed.uid === uid && (removed.start === null || removed.start === entry.start),
    );
  });
  return [...kept, ...desired.entries];
}

function instanceKey(uid: string, recurrenceId: string | null): string {
  return `${uid}\u0000${recurrenceId ?? ''}`;
}

async function recordObservations(
  deps: SyncDependencies,
  calendar: CalendarRef,
  window: TimeSpan,
  now: Instant,
  desired: DesiredEntries,
  occurrences: readonly Occurrence[],
  previousSuccessAt: Instant | null,
  uidKey: string,
): Promise<number> {
  if (deps.rules === undefined) return 0;
  const findings = await deps.rules({
    calendar,
    window,
    now,
    coded: desired.coded,
    unknownCodes: desired.unknownCodes,
    occurrences,
    previousSuccessAt,
  });
  if (findings.length === 0) return 0;
  // Reports show which event a finding is about as the register does: by the uid's keyed hash.
  return deps.state.addFindings(
    findings.map((finding) => ({ ...finding, eventUid: sourceRefUid(uidKey, finding.eventUid) })),
  );
}
