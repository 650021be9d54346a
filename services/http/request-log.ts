import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { CorrelationVariables } from "./correlation-id.js";

/** One structured log line; the shell decides where it goes (stdout as JSON by default). */
export type LogLine = Readonly<Record<string, unknown>>;
export type Log = (line: LogLine) => void;

export const jsonLog: Log = (line) => console.log(JSON.stringify(line));

export interface RequestLogOptions {
  readonly log?: Log;
  /** Monotonic milliseconds, for the latency. */
  readonly clock?: () => number;
}

/** Logs one JSON line per request: method, route, status, latency, correlation id. */
export const requestLog =
  ({
    log = jsonLog,
    clock = () => performance.now(),
  }: RequestLogOptions = {}): MiddlewareHandler<{ Variables: CorrelationVariables }> =>
  async (c, next) => {
    const start = clock();
    await next();
    log({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      method: c.req.method,
      // After `next()` the route index points at the handler that answered.
      route: routePath(c),
      path: c.req.path,
      status: c.res.status,
      latencyMs: Math.round((clock() - start) * 100) / 100,
      correlationId: c.get("correlationId"),
    });
  };
