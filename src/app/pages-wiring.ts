import { isLoopbackAddress } from '../adapters/http/api-auth.js';
import { OidcSignIn } from '../adapters/http/pages/oidc-sign-in.js';
import type { PagesDeps } from '../adapters/http/pages/page-deps.js';
import { randomToken } from '../adapters/http/pages/page-session.js';
import type { PagesOptions } from '../adapters/http/pages/pages-routes.js';
import { LoopbackLink } from '../adapters/http/pages/sign-in-routes.js';
import type { Instant } from '../domain/occurrence.js';
import type { HanvisaConfig } from './config/load-config.js';
import type { JobQueue } from './jobs/job-kind.js';
import type { ReferralSink } from './ports/referral-sink.js';
import type { StateStore } from './ports/state-store.js';

/** What the pages read, from the config and the app's register and state. */
export function pagesDepsFrom(
  config: HanvisaConfig,
  parts: {
    readonly sink: Pick<ReferralSink, 'list'>;
    readonly state: Pick<StateStore, 'getSyncState' | 'listFindings'>;
    readonly clock: () => Instant;
    readonly queue?: JobQueue;
    readonly syncRequest?: (calendar: string) => { readonly kind: string; readonly data: unknown };
  },
): PagesDeps {
  return {
    timeZone: config.timeZone,
    window: config.window,
    codes: config.codes,
    manual: {
      deadline: config.rules.lateEntry.deadline,
      lateEntryEnabled: config.rules.lateEntry.enabled,
      privatePolicy: config.policy.private,
      fallback: config.policy.fallback,
    },
    lateEntry: {
      deadline: config.rules.lateEntry.deadline,
      countInvited: config.rules.lateEntry.countInvited,
    },
    employees: config.employees,
    people: config.people,
    calendars: config.calendars,
    scheduleEveryMs: config.scheduleEveryMs,
    ...parts,
  };
}

/** The pages' sign-in as the config and the listener allow, and the link to print (loopback only). */
export interface PagesSignIn {
  readonly options: PagesOptions;
  /** `http://127.0.0.1:PORT/?token=…` once the port is known; null unless the loopback link is on. */
  linkFor(baseUrl: string): string | null;
}

/**
 * Entra ID sign-in when `pages.oidc` is configured; otherwise the one-time loopback link, but
 * only on a loopback listener (on any other address nobody can sign in until OIDC is set up).
 * The cookie key is HANVISA_SESSION_SECRET, or random per process (sign-ins then end with a
 * restart, and processes behind one load balancer must share the secret).
 */
export function pagesSignIn(config: HanvisaConfig, listenerHost: string): PagesSignIn {
  const oidc = config.pages.oidc;
  const publicUrl = config.pages.publicUrl?.replace(/\/$/, '') ?? null;
  const redirectUri = oidc?.redirectUri ?? (publicUrl === null ? null : `${publicUrl}/auth/callback`);
  const loopback = isLoopbackAddress(listenerHost);
  const link = oidc === undefined && loopback ? new LoopbackLink(randomToken(24)) : null;
  const signIn =
    oidc === undefined
      ? null
      : new OidcSignIn({
          issuer: oidc.issuer,
          clientId: oidc.clientId,
          clientSecret: config.env.pages.oidcClientSecret,
          groupRoles: oidc.groupRoles,
          allowInsecure:
            new URL(oidc.issuer).protocol === 'http:' && isLoopbackAddress(new URL(oidc.issuer).hostname),
        });
  return {
    options: {
      auth: {
        sessionSecret: config.env.pages.sessionSecret ?? randomToken(32),
        sessionHours: config.pages.sessionHours,
        secureCookies: publicUrl?.startsWith('https://') ?? false,
        oidc: signIn,
        loopbackLink: link,
      },
      redirectUri,
    },
    linkFor: (baseUrl) => (link === null ? null : `${baseUrl}/?token=${link.token}`),
  };
}
