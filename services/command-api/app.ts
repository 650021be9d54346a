import { Hono } from "hono";
import type { AccessControl } from "../auth/bearer.js";
import { type Clock, systemClock } from "../clock/clock.js";
import { createItemCommandHandler } from "../command-handling/item-command-handler.js";
import type { AdmissionLimits } from "../command-handling/per-key-queue.js";
import type { ConflictRetryPolicy } from "../command-handling/retry-policy.js";
import type { ItemId } from "../domain/item/index.js";
import type { ItemRepository } from "../event-store/item-repository.js";
import { bodyLimit } from "../http/body-limit.js";
import { type LoadSheddingOptions, shedLoad } from "../http/load-shedding.js";
import { installRouteFallback } from "../http/method-not-allowed.js";
import { problemResponse } from "../http/problem.js";
import { installHttpShell, type ShellEnv } from "../http/shell.js";
import { newId as newUuid } from "../ids/new-id.js";
import { type Logger, silentLogger } from "../logging/logger.js";
import { isInfrastructureError } from "../streams/processing/transient-errors.js";
import { itemRoutes } from "./items/routes.js";
import { commandApiOpenApi } from "./openapi.js";

/**
 * Largest accepted request body. The largest valid body (a 500-character reason written as
 * JSON `\u` escapes) is about 6 KiB; anything beyond 16 KiB is refused with 413 unread.
 */
export const MAX_BODY_BYTES = 16 * 1024;

/** Well below the load balancer's 60 s, so the client hears from us, not a 504 from the ALB. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;

export interface CommandApiOptions {
  readonly repository: ItemRepository;
  /** Bearer tokens with `items:write` (required: a deployable has no unauthenticated mode). */
  readonly access: AccessControl;
  readonly retry?: ConflictRetryPolicy;
  readonly logger?: Logger;
  readonly newId?: () => string;
  readonly now?: () => Date;
  readonly maxBodyBytes?: number;
  /** Per-item queue depth and global in-flight cap; beyond them, 503 with Retry-After. */
  readonly admission?: AdmissionLimits;
  /** Every command is answered by then; one still queued is dropped unrun (503). */
  readonly requestDeadlineMs?: number;
  /** Deadlines and queue timers; tests pass a fake one. */
  readonly clock?: Clock;
  /** Refuse commands up front while the event loop runs this late (none: never). */
  readonly shedding?: LoadSheddingOptions;
  /** True once shutdown began: health turns 503 so the load balancer stops sending traffic. */
  readonly isDraining?: () => boolean;
}

type Env = ShellEnv;

/** The command side over HTTP: every route under /commands (one load-balancer rule). */
export const createCommandApi = ({
  repository,
  access,
  retry,
  logger = silentLogger,
  newId = newUuid,
  now = () => new Date(),
  maxBodyBytes = MAX_BODY_BYTES,
  admission,
  requestDeadlineMs = DEFAULT_REQUEST_DEADLINE_MS,
  clock = systemClock,
  isDraining = () => false,
  shedding,
}: CommandApiOptions): Hono<Env> => {
  const app = new Hono<Env>();
  // DynamoDB throttling or a server fault is a 503 to retry, not a 500.
  installHttpShell(app, {
    scope: "/commands/*",
    logger,
    newId,
    isUnavailable: isInfrastructureError,
  });
  // Before authentication and body parsing: shed work is the cheapest. Never health or the spec.
  if (shedding) app.use("/commands/items/*", shedLoad(shedding));
  app.use(
    "/commands/*",
    access.require("items:write", { except: ["/commands/healthz", "/commands/openapi.json"] }),
  );
  app.use(
    "/commands/*",
    bodyLimit({
      maxBytes: maxBodyBytes,
      onTooLarge: (c) =>
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
      handle: createItemCommandHandler({ repository, retry, admission, clock }),
      idempotency: repository,
      newItemId: () => newId() as ItemId,
      newCommandId: newId,
      now,
      deadline: () => clock.now() + requestDeadlineMs,
    }),
  );
  // Last: 405 + Allow for a known path, else 404. Inside the prefix so that it also answers
  // when this app is mounted into another one.
  installRouteFallback(app, "/commands/*");

  return app;
};
