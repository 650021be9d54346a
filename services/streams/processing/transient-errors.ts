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

/** Who is at fault for a Postgres error, by its SQLSTATE (docs/failure-handling.md). */
export type SqlStateFault = "transient" | "record" | "unknown";

/**
 * The one SQLSTATE table. Transient: class 08 connection exception, 53 insufficient resources,
 * 57 operator intervention (shutdown, query cancelled by statement_timeout), 40001 serialization
 * failure, 40P01 deadlock, 55P03 lock not available. The record's fault: class 22 data exception
 * and 23 integrity constraint violation. Anything else (a bug: 42 syntax, undefined column) is
 * neither excused nor blamed on the data: it counts as a failed attempt.
 */
export const sqlStateFault = (sqlState: string): SqlStateFault => {
  const cls = sqlState.slice(0, 2);
  if (["08", "53", "57"].includes(cls) || ["40001", "40P01", "55P03"].includes(sqlState))
    return "transient";
  if (cls === "22" || cls === "23") return "record";
  return "unknown";
};

/** SQLSTATEs are five digits or upper-case letters; Node's own codes (ECONNRESET) are not. */
const isSqlState = (code: string): boolean => /^[0-9A-Z]{5}$/.test(code);

/**
 * node-postgres reports some faults by message only, with no code: a connection lost mid-query
 * (RDS failover, proxy reset), its own query timeout (`query_timeout`) and a pool that had no
 * free connection in time. None of them says anything about the record.
 */
const PG_DRIVER_FAULTS = [
  "Connection terminated unexpectedly",
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
  "timeout exceeded when trying to connect",
  "Query read timeout",
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
  // SNS (and KMS behind it) throttling: client faults the SDK does not mark retryable.
  "ThrottledException",
  "KMSThrottlingException",
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
 * availability, locks, throttling) are retried without counting, so an outage never parks
 * healthy records. Looks through `cause` chains; an error the database driver raised (TypeORM's
 * `driverError`) without a SQLSTATE is transient: the server never judged the record.
 */
export const isInfrastructureError = (e: unknown, depth = 0): boolean => {
  if (depth > 5 || typeof e !== "object" || e === null) return false;
  const code = codeOf(e);
  if (code && NETWORK_CODES.has(code)) return true;
  if (code && isSqlState(code)) return sqlStateFault(code) === "transient";
  const message = (e as { message?: unknown }).message;
  if (typeof message === "string" && PG_DRIVER_FAULTS.some((m) => message.includes(m))) return true;
  if (isAwsServerOrRetryable(e)) return true;
  const driverError = (e as { driverError?: unknown }).driverError;
  // A TypeError or RangeError from the driver is a bug in what we passed it, not an outage.
  const isBug = driverError instanceof TypeError || driverError instanceof RangeError;
  if (typeof driverError === "object" && driverError !== null && !isBug) {
    const driverCode = codeOf(driverError);
    return driverCode === undefined || !isSqlState(driverCode)
      ? true
      : sqlStateFault(driverCode) === "transient";
  }
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && isInfrastructureError(cause, depth + 1);
};
