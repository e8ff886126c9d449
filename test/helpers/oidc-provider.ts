import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A test account: its `sub` and the claims its ID token carries (Entra-style `oid`, `roles`, `groups`). */
export interface TestAccount {
  readonly sub: string;
  readonly claims: Record<string, unknown>;
}

export interface TestProvider {
  readonly issuer: string;
  /** Who signs in next (the provider's login step picks this account without a form). */
  signInAs(account: TestAccount): void;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (the `oidc-provider` package) on a loopback port, with one
 * confidential client. Its login and consent steps finish at once for the chosen account, so a
 * test drives the whole authorization-code + PKCE flow with plain HTTP requests.
 */
export async function startTestProvider(client: {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}): Promise<TestProvider> {
  const accounts = new Map<string, TestAccount>();
  let next: TestAccount | null = null;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email'],
      profile: ['name', 'preferred_username', 'oid', 'roles', 'groups'],
    },
    conformIdTokenClaims: false,
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    findAccount: async (_context, sub) => {
      const account = accounts.get(sub);
      return account === undefined
        ? undefined
        : { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
    },
  });
  const callback = provider.callback();
  server.on('request', (request, response) => {
    if (!(request.url ?? '').startsWith('/interaction/')) {
      callback(request, response);
      return;
    }
    void (async () => {
      const details = await provider.interactionDetails(request, response);
      if (details.prompt.name === 'login') {
        if (next === null) throw new Error('signInAs() first');
        accounts.set(next.sub, next);
        await provider.interactionFinished(request, response, { login: { accountId: next.sub } });
        return;
      }
      const grant = new provider.Grant({
        accountId: details.session?.accountId as string,
        clientId: details.params.client_id as string,
      });
      grant.addOIDCScope('openid profile email');
      const grantId = await grant.save();
      await provider.interactionFinished(
        request,
        response,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    })().catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  return {
    issuer,
    signInAs(account) {
      next = account;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A browser's cookie handling, enough for the sign-in redirects: one jar per host, redirects followed by hand. */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  header(url: URL): string {
    const jar = this.jars.get(url.host);
    return jar === undefined ? '' : [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(url: URL, response: Response): void {
    let jar = this.jars.get(url.host);
    if (jar === undefined) {
      jar = new Map();
      this.jars.set(url.host, jar);
    }
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, at).trim();
      const value = (pair ?? '').slice(at + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line))
        jar.delete(name);
      else jar.set(name, value);
    }
  }

  set(host: string, name: string, value: string): void {
    let jar = this.jars.get(host);
    if (jar === undefined) {
      jar = new Map();
      this.jars.set(host, jar);
    }
    jar.set(name, value);
  }

  get(host: string, name: string): string | undefined {
    return this.jars.get(host)?.get(name);
  }

  /** GET (or POST) `url`, following redirects across hosts, with cookies; returns the last response. */
  async fetch(url: string, init: RequestInit = {}, hops = 15): Promise<{ response: Response; url: URL }> {
    let target = new URL(url);
    let request: RequestInit = init;
    for (let hop = 0; hop < hops; hop++) {
      const headers = new Headers(request.headers);
      const cookie = this.header(target);
      if (cookie !== '') headers.set('cookie', cookie);
      const response = await fetch(target, { ...request, headers, redirect: 'manual' });
      this.store(target, response);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null)
        return { response, url: target };
      await response.arrayBuffer();
      target = new URL(location, target);
      request = {};
    }
    throw new Error('too many redirects');
  }
}
