import { isInfrastructureError } from "../streams/processing/transient-errors.js";

/** SQLSTATE 57014: `statement_timeout` cancelled the query. */
const QUERY_CANCELED = "57014";

const codeOf = (e: unknown): unknown =>
  typeof e === "object" && e !== null
    ? ((e as { code?: unknown }).code ??
      (e as { driverError?: { code?: unknown } }).driverError?.code)
    : undefined;

/**
 * The database is down or saturated rather than the request wrong: a statement timeout, the
 * pool's wait for a connection timing out, or a lost connection. The API answers 503 with
 * `Retry-After` then, never 500.
 */
export const isDatabaseUnavailable = (e: unknown): boolean =>
  codeOf(e) === QUERY_CANCELED || isInfrastructureError(e);
