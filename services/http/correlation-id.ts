import type { MiddlewareHandler } from "hono";

export const CORRELATION_HEADER = "X-Correlation-Id";

/** Ids we accept from clients: short and safe to log and to store in event metadata. */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CorrelationIdOptions {
  /** Generates an id when the request has none (or an unusable one). */
  readonly newId: () => string;
}

export type CorrelationVariables = { correlationId: string };

/**
 * Takes `X-Correlation-Id` from the request or generates one, exposes it as
 * `c.get("correlationId")` and echoes it on every response, errors included.
 */
export const correlationId =
  (options: CorrelationIdOptions): MiddlewareHandler<{ Variables: CorrelationVariables }> =>
  async (c, next) => {
    const given = c.req.header(CORRELATION_HEADER);
    const id = given !== undefined && ACCEPTABLE.test(given) ? given : options.newId();
    c.set("correlationId", id);
    await next();
    // Once, on the response that leaves (onError's too). Set before `next`, it made every
    // response carry Web `Headers` from the start and still needed this check after.
    c.res.headers.set(CORRELATION_HEADER, id);
  };
