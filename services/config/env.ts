/**
 * Typed configuration from environment variables. Every problem is collected and reported in
 * one readable error, so a misconfigured task fails at start-up with the full list.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface VarSpec<T> {
  readonly parse: (raw: string | undefined, name: string) => T | ConfigProblem;
}

export class ConfigProblem {
  constructor(readonly message: string) {}
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export const str = (fallback?: string): VarSpec<string> => ({
  parse: (raw, name) =>
    raw !== undefined && raw !== "" ? raw : (fallback ?? new ConfigProblem(`${name} is required`)),
});

export const optionalStr = (): VarSpec<string | undefined> => ({
  parse: (raw) => (raw === "" ? undefined : raw),
});

export const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): VarSpec<number> => ({
  parse: (raw, name) => {
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max
      ? n
      : new ConfigProblem(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  },
});

/** One of a fixed set of values (the first is the default when `fallback` is not given). */
export const oneOf = <T extends string>(
  values: readonly [T, ...T[]],
  fallback: T = values[0],
): VarSpec<T> => ({
  parse: (raw, name) => {
    if (raw === undefined || raw === "") return fallback;
    return (values as readonly string[]).includes(raw)
      ? (raw as T)
      : new ConfigProblem(`${name} must be one of ${values.join(", ")}, got "${raw}"`);
  },
});

/** The values `readConfig` returns for a spec. */
export type ConfigOf<S> = { readonly [K in keyof S]: S[K] extends VarSpec<infer T> ? T : never };

export const readConfig = <S extends Record<string, VarSpec<unknown>>>(
  env: Env,
  spec: S,
): ConfigOf<S> => {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    const value = s.parse(env[name], name);
    if (value instanceof ConfigProblem) problems.push(value.message);
    else out[name] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
};

/**
 * Amazon RDS certificate bundle, baked into the image (see Dockerfile): connections built from
 * an Aurora secret verify the server against it.
 */
export const RDS_CA_BUNDLE_PATH = "/app/certs/rds-global-bundle.pem";

/**
 * DATABASE_URL, or the JSON secret Copilot injects for Aurora ({host, port, dbname, username,
 * password}) turned into a URL with TLS verified against the RDS CA bundle (the cluster forces
 * TLS). A plain URL is taken as is: it says its own sslmode.
 */
export const databaseUrl = (): VarSpec<string> => ({
  parse: (raw, name) => {
    if (raw === undefined || raw === "") return new ConfigProblem(`${name} is required`);
    if (!raw.trimStart().startsWith("{")) return raw;
    let secret: Record<string, unknown>;
    try {
      secret = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return new ConfigProblem(`${name} is neither a URL nor a JSON secret`);
    }
    const missing = ["host", "username", "password"].filter((k) => typeof secret[k] !== "string");
    if (missing.length > 0) {
      return new ConfigProblem(`${name} is a JSON secret without ${missing.join(", ")}`);
    }
    const part = (v: unknown) => encodeURIComponent(String(v));
    const tls = `sslmode=verify-full&sslrootcert=${encodeURIComponent(RDS_CA_BUNDLE_PATH)}`;
    return `postgres://${part(secret.username)}:${part(secret.password)}@${String(secret.host)}:${Number(secret.port ?? 5432)}/${part(secret.dbname ?? "postgres")}?${tls}`;
  },
});

/**
 * A Postgres schema name. It is spliced into SQL as a quoted identifier and into a NOTIFY
 * channel name (63-byte limit), so only plain lowercase names are accepted.
 */
export const schemaName = (fallback = "public"): VarSpec<string> => ({
  parse: (raw, name) => {
    const value = raw === undefined || raw === "" ? fallback : raw;
    return /^[a-z_][a-z0-9_]{0,39}$/.test(value)
      ? value
      : new ConfigProblem(
          `${name} must be a lowercase Postgres identifier of at most 40 characters ([a-z_][a-z0-9_]*), got "${value}"`,
        );
  },
});

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL: one of pino's level names; `info` when unset. */
export const logLevel = (): VarSpec<LogLevel> => ({
  parse: (raw, name) => {
    if (raw === undefined || raw === "") return "info";
    return (LOG_LEVELS as readonly string[]).includes(raw)
      ? (raw as LogLevel)
      : new ConfigProblem(`${name} must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  },
});
