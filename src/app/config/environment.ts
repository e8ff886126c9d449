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
  /** API client tokens for the register API and /metrics (HANVISA_API_TOKENS, comma-separated). */
  readonly apiTokens: readonly string[];
  readonly sink: {
    readonly token: string | null;
    readonly user: string | null;
    readonly password: string | null;
  };
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
    apiTokens: (value(env, 'HANVISA_API_TOKENS') ?? '')
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== ''),
    sink: {
      token: value(env, 'HANVISA_SINK_TOKEN'),
      user: value(env, 'HANVISA_SINK_USER'),
      password: value(env, 'HANVISA_SINK_PASSWORD'),
    },
  };
}
