import { readFileSync } from 'node:fs';
import {
  type AuthenticationResult,
  ConfidentialClientApplication,
  type Configuration,
} from '@azure/msal-node';
import { PermanentError, TransientError } from '../../domain/errors.js';

/** Where and as whom hanvisa signs in: the `graph:` config section plus secrets from the environment. */
export interface GraphAuthSettings {
  readonly tenantId: string;
  readonly clientId: string;
  /** e.g. https://login.microsoftonline.com, https://login.microsoftonline.us, https://login.partner.microsoftonline.cn */
  readonly authorityHost: string;
  /** The Graph base URL; the token's scope is its origin + `/.default`. */
  readonly baseUrl: string;
  readonly credentials: GraphCredentials;
  /** How long a rejected credential is remembered, so 2,000 mailboxes do not each ask again. Default 5 min. */
  readonly failureCooldownMs?: number;
  readonly now?: () => number;
}

/** Application credentials; only ever read from the environment (HANVISA_GRAPH_*). */
export interface GraphCredentials {
  readonly clientSecret: string | null;
  readonly certificateKeyFile: string | null;
  readonly certificateThumbprint: string | null;
  readonly certificateFile: string | null;
}

/** Hands out access tokens for Graph; `fresh` bypasses the cache (after a 401). */
export interface TokenProvider {
  getToken(fresh?: boolean): Promise<string>;
}

const DEFAULT_COOLDOWN_MS = 5 * 60_000;

/**
 * What MSAL needs to know about the authority, built from `graph.authorityHost` instead of
 * discovered: with `authorityMetadata` and `cloudDiscoveryMetadata` in the configuration MSAL
 * makes no instance-discovery or OpenID-metadata call at all. That is one round trip fewer at
 * start, works the same for every national cloud and for a mock authority (which MSAL could not
 * validate against the public cloud's discovery endpoint), and the token endpoint is the only
 * network call sign-in makes.
 */
export function authorityMetadata(authorityHost: string, tenantId: string) {
  const host = new URL(authorityHost);
  const base = `${host.origin}/${encodeURIComponent(tenantId)}`;
  return {
    authority: base,
    authorityMetadata: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    },
    cloudDiscoveryMetadata: {
      tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host.host, preferred_cache: host.host, aliases: [host.host] }],
    },
  };
}

function readCredential(
  settings: GraphAuthSettings,
): Pick<Configuration['auth'], 'clientSecret' | 'clientCertificate'> {
  const { credentials } = settings;
  if (credentials.certificateKeyFile !== null || credentials.certificateThumbprint !== null) {
    if (credentials.certificateKeyFile === null || credentials.certificateThumbprint === null) {
      throw new PermanentError(
        'Graph certificate credentials are incomplete: set both HANVISA_GRAPH_CERTIFICATE_KEY_FILE (the PEM private key) ' +
          'and HANVISA_GRAPH_CERTIFICATE_THUMBPRINT (the certificate thumbprint shown in the app registration)',
      );
    }
    const thumbprint = credentials.certificateThumbprint.replace(/[\s:]/g, '').toUpperCase();
    if (!/^[0-9A-F]{40}$|^[0-9A-F]{64}$/.test(thumbprint)) {
      throw new PermanentError(
        'HANVISA_GRAPH_CERTIFICATE_THUMBPRINT is not a certificate thumbprint: expected 40 (SHA-1) or 64 (SHA-256) hex digits',
      );
    }
    let privateKey: string;
    let x5c: string | undefined;
    try {
      privateKey = readFileSync(credentials.certificateKeyFile, 'utf8');
      if (credentials.certificateFile !== null) x5c = readFileSync(credentials.certificateFile, 'utf8');
    } catch (error) {
      throw new PermanentError(
        `cannot read the Graph certificate (${(error as NodeJS.ErrnoException).code ?? 'error'}): check the files ` +
          'HANVISA_GRAPH_CERTIFICATE_KEY_FILE and HANVISA_GRAPH_CERTIFICATE_FILE point to, and that hanvisa may read them',
      );
    }
    if (!privateKey.includes('PRIVATE KEY-----')) {
      throw new PermanentError('HANVISA_GRAPH_CERTIFICATE_KEY_FILE is not a PEM private key');
    }
    return {
      clientCertificate: {
        ...(thumbprint.length === 64 ? { thumbprintSha256: thumbprint } : { thumbprint }),
        privateKey,
        ...(x5c === undefined ? {} : { x5c }),
      },
    };
  }
  if (credentials.clientSecret !== null) return { clientSecret: credentials.clientSecret };
  throw new PermanentError(
    `no Graph credentials for tenant "${settings.tenantId}", app "${settings.clientId}": set ` +
      'HANVISA_GRAPH_CERTIFICATE_KEY_FILE and HANVISA_GRAPH_CERTIFICATE_THUMBPRINT (preferred) or HANVISA_GRAPH_CLIENT_SECRET',
  );
}

/** Translates an MSAL failure into a typed error that names tenant and app and never repeats MSAL's text (it can echo the request). */
export function authFailure(error: unknown, settings: GraphAuthSettings): TransientError | PermanentError {
  if (error instanceof PermanentError || error instanceof TransientError) return error;
  const details = error as { errorCode?: string; errorMessage?: string; status?: number; message?: string };
  const text = `${details.errorMessage ?? ''} ${details.message ?? ''}`;
  const aadsts = /AADSTS\d+/.exec(text)?.[0] ?? null;
  const who = `tenant "${settings.tenantId}", app "${settings.clientId}"`;
  const code = aadsts ?? details.errorCode ?? 'unknown error';
  const usesSecret = settings.credentials.certificateKeyFile === null;
  const status = details.status ?? 0;
  if (
    status === 429 ||
    status >= 500 ||
    details.errorCode === 'network_error' ||
    details.errorCode === 'endpoints_resolution_error'
  ) {
    return new TransientError(
      `Graph sign-in for ${who} failed for now (${code}); it is tried again next cycle`,
    );
  }
  let what: string;
  switch (aadsts) {
    case 'AADSTS7000215':
    case 'AADSTS7000222':
      what =
        'the client secret was rejected or has expired: create a new client secret in the app registration and put its ' +
        'value (not its id) in HANVISA_GRAPH_CLIENT_SECRET';
      break;
    case 'AADSTS700027':
    case 'AADSTS700023':
      what =
        'the certificate was rejected: upload the certificate to the app registration and check that ' +
        'HANVISA_GRAPH_CERTIFICATE_THUMBPRINT and HANVISA_GRAPH_CERTIFICATE_KEY_FILE belong to it';
      break;
    case 'AADSTS700016':
      what =
        'the app is not known in this tenant: check graph.clientId and graph.tenantId, and that an admin consented to the app';
      break;
    case 'AADSTS90002':
    case 'AADSTS900023':
      what = 'the tenant was not found: check graph.tenantId and graph.authorityHost';
      break;
    default:
      what = usesSecret
        ? 'check graph.tenantId, graph.clientId and HANVISA_GRAPH_CLIENT_SECRET'
        : 'check graph.tenantId, graph.clientId and the HANVISA_GRAPH_CERTIFICATE_* settings';
  }
  return new PermanentError(`Graph sign-in failed for ${who} (${code}): ${what}`);
}

/**
 * Client-credentials tokens for one tenant and app through one MSAL ConfidentialClientApplication,
 * whose token cache is reused for every mailbox. Concurrent callers share one token request;
 * a rejected credential is remembered for a cool-down so a wrong secret costs one token request,
 * not one per mailbox.
 */
export class MsalTokenProvider implements TokenProvider {
  readonly #settings: GraphAuthSettings;
  readonly #scopes: string[];
  #app: ConfidentialClientApplication | null = null;
  #pending: Promise<string> | null = null;
  /** The last token and when to stop handing it out (5 minutes before it expires), so a request costs no MSAL cache lookup. */
  #current: { token: string; until: number } | null = null;
  #failure: { error: PermanentError; until: number } | null = null;

  constructor(settings: GraphAuthSettings) {
    this.#settings = settings;
    this.#scopes = [`${new URL(settings.baseUrl).origin}/.default`];
  }

  #client(): ConfidentialClientApplication {
    if (this.#app === null) {
      const meta = authorityMetadata(this.#settings.authorityHost, this.#settings.tenantId);
      this.#app = new ConfidentialClientApplication({
        auth: {
          clientId: this.#settings.clientId,
          authority: meta.authority,
          authorityMetadata: JSON.stringify(meta.authorityMetadata),
          cloudDiscoveryMetadata: JSON.stringify(meta.cloudDiscoveryMetadata),
          ...readCredential(this.#settings),
        },
      });
    }
    return this.#app;
  }

  async getToken(fresh = false): Promise<string> {
    const now = (this.#settings.now ?? Date.now)();
    if (this.#failure !== null && now < this.#failure.until) throw this.#failure.error;
    if (!fresh && this.#current !== null && now < this.#current.until) return this.#current.token;
    if (this.#pending !== null && !fresh) return this.#pending;
    const request = this.#acquire(fresh);
    this.#pending = request;
    try {
      return await request;
    } finally {
      if (this.#pending === request) this.#pending = null;
    }
  }

  async #acquire(fresh: boolean): Promise<string> {
    let result: AuthenticationResult | null;
    try {
      const app = this.#client();
      result = await app.acquireTokenByClientCredential({ scopes: this.#scopes, skipCache: fresh });
    } catch (error) {
      const failure = authFailure(error, this.#settings);
      if (failure instanceof PermanentError) {
        this.#failure = {
          error: failure,
          until:
            (this.#settings.now ?? Date.now)() + (this.#settings.failureCooldownMs ?? DEFAULT_COOLDOWN_MS),
        };
      }
      throw failure;
    }
    if (result === null || result.accessToken === '') {
      throw new TransientError(
        `Graph sign-in for tenant "${this.#settings.tenantId}", app "${this.#settings.clientId}" returned no token; tried again next cycle`,
      );
    }
    const expires = result.expiresOn?.getTime() ?? 0;
    this.#current = { token: result.accessToken, until: expires - 5 * 60_000 };
    return result.accessToken;
  }
}
