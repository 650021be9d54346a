import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../logging/logger.js";
import type { CorrelationVariables } from "./correlation-id.js";

/** What the shell puts on every request: its correlation id and a logger that carries it. */
export type ShellVariables = CorrelationVariables & { logger: Logger };

export interface RequestLogOptions {
  readonly logger: Logger;
  /** Monotonic milliseconds, for the latency. */
  readonly clock?: () => number;
}

/**
 * Gives the request a child logger that carries its correlation id (`c.get("logger")`, for
 * handlers too), and logs one line per request: method, route, status, latency.
 * Runs after `correlationId`.
 */
export const requestLog =
  ({
    logger,
    clock = () => performance.now(),
  }: RequestLogOptions): MiddlewareHandler<{ Variables: ShellVariables }> =>
  async (c, next) => {
    const start = clock();
    const log = logger.child({ correlationId: c.get("correlationId") });
    c.set("logger", log);
    await next();
    const line = {
      method: c.req.method,
      // After `next()` the route index points at the handler that answered.
      route: routePath(c),
      path: c.req.path,
      status: c.res.status,
      latencyMs: Math.round((clock() - start) * 100) / 100,
    };
    if (c.res.status >= 500) log.error(line, "request");
    else log.info(line, "request");
  };
