import * as client from 'openid-client';
import { PermanentError, TransientError } from '../../../domain/errors.js';
import { PAGE_ROLES, type PageRole } from './page-deps.js';

export interface OidcOptions {
  /** Entra ID: `https://login.microsoftonline.com/<tenant>/v2.0`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Confidential client (HANVISA_OIDC_CLIENT_SECRET); null: a public client with PKCE only. */
  readonly clientSecret: string | null;
  /** Group object id → role, for tenants that use groups instead of app roles. */
  readonly groupRoles: Readonly<Record<string, PageRole>>;
  /** Tests only: an issuer on plain http (a local provider). */
  readonly allowInsecure?: boolean;
}

/** What sign-in started: kept in a signed, short-lived cookie until the provider calls back. */
export interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly next: string;
  /** The redirect URI sent, to which the provider calls back (it must be registered exactly). */
  readonly redirectUri: string;
}

/** The account that signed in: ids to match the directory, and the roles the token grants. */
export interface SignedInAccount {
  readonly objectId: string | null;
  /** E-mail, UPN or preferred username, lower case; only to match the directory. */
  readonly names: readonly string[];
  readonly displayName: string | null;
  readonly roles: readonly PageRole[];
}

/**
 * Sign-in through an OpenID provider (Entra ID) with openid-client: authorization code flow
 * with PKCE (S256), state and nonce; the library checks the ID token's issuer, audience,
 * expiry and nonce. The ID token comes straight from the token endpoint over TLS, in exchange
 * for the code and the client secret, which OpenID Connect Core (3.1.3.7) accepts in place of
 * checking its signature. Roles come from the token's `roles` claim (Entra app roles whose
 * values are switchboard, it, manager, employee) or from its `groups` claim through
 * `groupRoles`.
 */
export class OidcSignIn {
  private configuration: Promise<client.Configuration> | null = null;

  constructor(private readonly options: OidcOptions) {}

  private config(): Promise<client.Configuration> {
    if (this.configuration === null) {
      const auth =
        this.options.clientSecret === null
          ? client.None()
          : client.ClientSecretPost(this.options.clientSecret);
      this.configuration = client
        .discovery(
          new URL(this.options.issuer),
          this.options.clientId,
          undefined,
          auth,
          this.options.allowInsecure ? { execute: [client.allowInsecureRequests] } : undefined,
        )
        .catch((error: unknown) => {
          this.configuration = null;
          throw new TransientError(
            `the OpenID provider's discovery document could not be read (${error instanceof Error ? error.message : String(error)})`,
          );
        });
    }
    return this.configuration;
  }

  /** The provider's URL to send the browser to, and what to remember until the callback. */
  async begin(
    next: string,
    redirectUri: string,
  ): Promise<{ readonly url: string; readonly pending: PendingSignIn }> {
    const config = await this.config();
    const verifier = client.randomPKCECodeVerifier();
    const pending: PendingSignIn = {
      verifier,
      state: client.randomState(),
      nonce: client.randomNonce(),
      next,
      redirectUri,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Redeems the code of the callback URL; throws PermanentError when anything does not check out. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<SignedInAccount> {
    const config = await this.config();
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      throw new PermanentError(
        `sign-in was not accepted: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (claims === undefined) throw new PermanentError('sign-in was not accepted: no ID token');
    return accountFromClaims(claims as Record<string, unknown>, this.options.groupRoles);
  }
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** Reads the account from ID token claims (Entra ID's `oid`, `roles`, `groups`, names). */
export function accountFromClaims(
  claims: Record<string, unknown>,
  groupRoles: Readonly<Record<string, PageRole>>,
): SignedInAccount {
  const roles = new Set<PageRole>();
  for (const role of strings(claims.roles))
    if (PAGE_ROLES.includes(role as PageRole)) roles.add(role as PageRole);
  for (const group of strings(claims.groups)) {
    const role = groupRoles[group];
    if (role !== undefined) roles.add(role);
  }
  const names = ['email', 'preferred_username', 'upn']
    .map((key) => claims[key])
    .filter((value): value is string => typeof value === 'string' && value !== '')
    .map((value) => value.toLowerCase());
  return {
    objectId: typeof claims.oid === 'string' ? claims.oid : null,
    names: [...new Set(names)],
    displayName: typeof claims.name === 'string' ? claims.name : null,
    roles: [...roles],
  };
}
