import type { Hono } from "hono";
import type { Schema } from "hono/types";
import type { Logger } from "../logging/logger.js";
import { correlationId } from "./correlation-id.js";
import { problemResponse, unavailableResponse } from "./problem.js";
import { requestLog, type ShellVariables } from "./request-log.js";

export type ShellEnv = { Variables: ShellVariables };

export interface HttpShellOptions {
  /** The routes the shell covers, e.g. "/commands/*" (one load-balancer rule per API). */
  readonly scope: string;
  readonly logger: Logger;
  /** Generates a correlation id when the request has no usable one. */
  readonly newId: () => string;
  /**
   * Errors that mean a dependency is down or saturated (pool or statement timeout, lost
   * connection, throttling): 503 with `Retry-After` instead of 500.
   */
  readonly isUnavailable?: (error: unknown) => boolean;
  readonly retryAfterSeconds?: number;
}

/**
 * What every API gets, once: a correlation id on every request and response, one log line per
 * request carrying it, and an `onError` that answers problem+json (503 for an unavailable
 * dependency, else 500) and never shows SQL, stack or parameters to the client. Call it before
 * any route or other middleware (e.g. authentication), which then have `c.get("correlationId")`.
 */
export const installHttpShell = <S extends Schema, B extends string>(
  app: Hono<ShellEnv, S, B>,
  { scope, logger, newId, isUnavailable = () => false, retryAfterSeconds = 1 }: HttpShellOptions,
): void => {
  app.use(scope, correlationId({ newId }), requestLog({ logger }));
  app.onError((error, c) => {
    const correlationId = c.get("correlationId");
    if (isUnavailable(error)) {
      logger.warn({ err: error, correlationId }, "dependency unavailable");
      return unavailableResponse(c, "unavailable", retryAfterSeconds, {
        detail: "a dependency is unavailable or saturated; retry later",
      });
    }
    logger.error({ err: error, correlationId }, "unhandled error");
    return problemResponse(c, "internal", { detail: "an unexpected error occurred; retry later" });
  });
};
