import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../logging/logger.js";
import type { CorrelationVariables } from "./correlation-id.js";

/** What the shell puts on every request: its correlation id. */
export type ShellVariables = CorrelationVariables;

export interface RequestLogOptions {
  readonly logger: Logger;
  /** Monotonic milliseconds, for the latency. */
  readonly clock?: () => number;
}

/**
 * Logs one line per request: correlation id, method, route, status, latency. Runs after
 * `correlationId`. No child logger per request: building one (its bindings serialised) cost
 * more than the line itself, and only the error handler logs anything else.
 */
export const requestLog =
  ({
    logger,
    clock = () => performance.now(),
  }: RequestLogOptions): MiddlewareHandler<{ Variables: ShellVariables }> =>
  async (c, next) => {
    const start = clock();
    await next();
    const line = {
      correlationId: c.get("correlationId"),
      method: c.req.method,
      // After `next()` the route index points at the handler that answered.
      route: routePath(c),
      path: c.req.path,
      status: c.res.status,
      latencyMs: Math.round((clock() - start) * 100) / 100,
    };
    if (c.res.status >= 500) logger.error(line, "request");
    else logger.info(line, "request");
  };
