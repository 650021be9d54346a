/** Node network failures: the peer (Postgres, DynamoDB) is unreachable, not the record bad. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/**
 * Postgres SQLSTATEs worth waiting out: connection exceptions (class 08), serialization failure,
 * deadlock, too many connections, server shutting down / starting up.
 */
const isTransientSqlState = (code: string): boolean =>
  code.startsWith("08") || ["40001", "40P01", "53300", "57P01", "57P02", "57P03"].includes(code);

/**
 * node-postgres reports a connection lost mid-query (RDS failover, proxy reset) by message only,
 * with no code; without this, every such drop would count as a failed attempt.
 */
const PG_CONNECTION_LOST = [
  "Connection terminated unexpectedly",
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
  "timeout exceeded when trying to connect",
];

const codeOf = (e: unknown): string | undefined => {
  if (typeof e !== "object" || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
};

const AWS_TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  // The SDK's own request timeout (requestHandler.requestTimeout): no answer is not a bad record.
  "TimeoutError",
]);

/**
 * AWS SDK v3 service exceptions say themselves whether they are the service's fault or retryable
 * (`$fault`, `$retryable`); a DynamoDB 500 must not count as a failed attempt of the record.
 */
const isAwsServerOrRetryable = (e: object): boolean => {
  const { name, $fault, $retryable } = e as {
    name?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
  };
  return (
    (typeof name === "string" && AWS_TRANSIENT_NAMES.has(name)) ||
    $fault === "server" ||
    ($retryable !== undefined && $retryable !== null && $retryable !== false)
  );
};

/**
 * Default `isTransient` for the projection handler: infrastructure faults (network, Postgres
 * availability, throttling) are retried without counting, so an outage never parks healthy
 * records. Looks through `cause` chains (TypeORM wraps driver errors).
 */
export const isInfrastructureError = (e: unknown, depth = 0): boolean => {
  if (depth > 5 || typeof e !== "object" || e === null) return false;
  const code = codeOf(e);
  if (code && (NETWORK_CODES.has(code) || isTransientSqlState(code))) return true;
  const message = (e as { message?: unknown }).message;
  if (typeof message === "string" && PG_CONNECTION_LOST.some((m) => message.includes(m)))
    return true;
  if (isAwsServerOrRetryable(e)) return true;
  const inner =
    (e as { cause?: unknown; driverError?: unknown }).driverError ??
    (e as { cause?: unknown }).cause;
  return inner !== undefined && isInfrastructureError(inner, depth + 1);
};
