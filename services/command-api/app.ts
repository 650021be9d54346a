import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { v7 as uuidv7 } from "uuid";
import { createItemCommandHandler } from "../command-handling/item-command-handler.js";
import type { ConflictRetryPolicy } from "../command-handling/retry-policy.js";
import type { ItemId } from "../domain/item/index.js";
import type { ItemRepository } from "../event-store/item-repository.js";
import { type CorrelationVariables, correlationId } from "../http/correlation-id.js";
import { installRouteFallback } from "../http/method-not-allowed.js";
import { problemResponse } from "../http/problem.js";
import { jsonLog, type Log, requestLog } from "../http/request-log.js";
import { itemRoutes } from "./items/routes.js";
import { commandApiOpenApi } from "./openapi.js";

/**
 * Largest accepted request body. The largest valid body (a 500-character reason written as
 * JSON `\u` escapes) is about 6 KiB; anything beyond 16 KiB is refused with 413 unread.
 */
export const MAX_BODY_BYTES = 16 * 1024;

export interface CommandApiOptions {
  readonly repository: ItemRepository;
  readonly retry?: ConflictRetryPolicy;
  readonly log?: Log;
  readonly newId?: () => string;
  readonly now?: () => Date;
  readonly maxBodyBytes?: number;
  /** True once shutdown began: health turns 503 so the load balancer stops sending traffic. */
  readonly isDraining?: () => boolean;
}

type Env = { Variables: CorrelationVariables };

/** The command side over HTTP: every route under /commands (one load-balancer rule). */
export const createCommandApi = ({
  repository,
  retry,
  log = jsonLog,
  newId = uuidv7,
  now = () => new Date(),
  maxBodyBytes = MAX_BODY_BYTES,
  isDraining = () => false,
}: CommandApiOptions): Hono<Env> => {
  const app = new Hono<Env>();
  app.use("/commands/*", correlationId({ newId }), requestLog({ log }));
  app.use(
    "/commands/*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        problemResponse(c, "payload-too-large", {
          detail: `request bodies are limited to ${maxBodyBytes} bytes`,
          maxBytes: maxBodyBytes,
        }),
    }),
  );

  app.get("/commands/healthz", (c) =>
    isDraining()
      ? problemResponse(c, "unavailable", { detail: "shutting down" })
      : c.json({ status: "ok" }),
  );
  app.get("/commands/openapi.json", (c) => c.json(commandApiOpenApi));
  app.route(
    "/commands/items",
    itemRoutes({
      handle: createItemCommandHandler({ repository, retry }),
      idempotency: repository,
      newItemId: () => newId() as ItemId,
      newCommandId: newId,
      now,
    }),
  );
  // Last: 405 + Allow for a known path, else 404. Inside the prefix so that it also answers
  // when this app is mounted into another one.
  installRouteFallback(app, "/commands/*");

  app.onError((error, c) => {
    log({
      level: "error",
      msg: "unhandled error",
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      correlationId: c.get("correlationId"),
    });
    return problemResponse(c, "internal", { detail: "an unexpected error occurred; retry later" });
  });
  return app;
};
