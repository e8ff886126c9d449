/**
 * Everything hanvisa takes from the environment, read in one place. Secrets live here, never
 * in the config file: a file is copied, mailed and committed; the environment is not.
 */
export interface Environment {
  /** Set: the distributed runtime (BullMQ on this Redis). Unset: the embedded runtime. */
  readonly redisUrl: string | null;
  readonly logLevel: string;
  readonly graph: {
    readonly clientSecret: string | null;
    /** PEM file of the certificate's private key (certificate credentials, preferred). */
    readonly certificateKeyFile: string | null;
    readonly certificateThumbprint: string | null;
    /** The public certificate (PEM) for subject-name/issuer auth, optional. */
    readonly certificateFile: string | null;
  };
  readonly pages: {
    /** Signs the pages' session cookies; unset: a random key per process (sign-ins end with a restart). */
    readonly sessionSecret: string | null;
    /** The Entra ID app registration's client secret (confidential client). */
    readonly oidcClientSecret: string | null;
  };
  /** API client tokens for the register API and /metrics (HANVISA_API_TOKENS, comma-separated). */
  readonly apiTokens: readonly string[];
  readonly sink: {
    readonly token: string | null;
    readonly user: string | null;
    readonly password: string | null;
  };
  /** Webhook mirror secrets: every HANVISA_WEBHOOK_SECRET… variable, by name. */
  readonly webhookSecrets: Readonly<Record<string, string>>;
}

function value(env: NodeJS.ProcessEnv, name: string): string | null {
  const text = env[name];
  return text === undefined || text === '' ? null : text;
}

/** Reads the environment. The only function in hanvisa that touches `process.env`. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    redisUrl: value(env, 'REDIS_URL'),
    logLevel: value(env, 'HANVISA_LOG_LEVEL') ?? 'info',
    graph: {
      clientSecret: value(env, 'HANVISA_GRAPH_CLIENT_SECRET'),
      certificateKeyFile: value(env, 'HANVISA_GRAPH_CERTIFICATE_KEY_FILE'),
      certificateThumbprint: value(env, 'HANVISA_GRAPH_CERTIFICATE_THUMBPRINT'),
      certificateFile: value(env, 'HANVISA_GRAPH_CERTIFICATE_FILE'),
    },
    pages: {
      sessionSecret: value(env, 'HANVISA_SESSION_SECRET'),
      oidcClientSecret: value(env, 'HANVISA_OIDC_CLIENT_SECRET'),
    },
    apiTokens: (value(env, 'HANVISA_API_TOKENS') ?? '')
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== ''),
    sink: {
      token: value(env, 'HANVISA_SINK_TOKEN'),
      user: value(env, 'HANVISA_SINK_USER'),
      password: value(env, 'HANVISA_SINK_PASSWORD'),
    },
    webhookSecrets: Object.fromEntries(
      Object.keys(env)
        .filter((name) => /^HANVISA_WEBHOOK_SECRET\w*$/.test(name) && value(env, name) !== null)
        .map((name) => [name, value(env, name) as string]),
    ),
  };
}
