import { Hono } from "hono";
import type { DataSource } from "typeorm";
import type { AccessControl } from "../auth/bearer.js";
import { installRouteFallback } from "../http/method-not-allowed.js";
import { unavailableResponse } from "../http/problem.js";
import { installHttpShell, type ShellEnv } from "../http/shell.js";
import { newId as newUuid } from "../ids/new-id.js";
import { type Logger, silentLogger } from "../logging/logger.js";
import type { VersionSignal } from "../read-model/version-signal.js";
import { isDatabaseUnavailable } from "./database-unavailable.js";
import { inventoryRoutes } from "./inventory/routes.js";
import { ItemReads } from "./items/read.js";
import { itemRoutes } from "./items/routes.js";
import { queryApiOpenApi } from "./openapi.js";
import { createVersionWaiter } from "./read-your-writes/version-waiter.js";

export interface QueryApiDeps {
  readonly db: DataSource;
  /** Bearer tokens with `items:read` (required: a deployable has no unauthenticated mode). */
  readonly access: AccessControl;
  /** Projector commits (LISTEN/NOTIFY or in-process); without it read-your-writes polls. */
  readonly versions?: VersionSignal;
  /** How long `?minVersion=` waits before answering 504. */
  readonly readYourWritesTimeoutMs?: number;
  /** Requests waiting for `?minVersion=` at once; beyond, 503. */
  readonly maxVersionWaiters?: number;
  readonly fallbackPollMs?: number;
  /**
   * Whether the database answers, on a connection of its own (main.ts passes a one-connection
   * pool), so that a saturated query pool cannot starve the health check. Default: the pool.
   */
  readonly databaseAnswers?: () => Promise<boolean>;
  /** True once shutdown began: health turns 503 so the load balancer stops sending traffic. */
  readonly isDraining?: () => boolean;
  readonly logger?: Logger;
  readonly newId?: () => string;
}

export const createQueryApi = (deps: QueryApiDeps): Hono<ShellEnv> => {
  const reads = new ItemReads(deps.db);
  const waitForVersion = createVersionWaiter({
    readVersion: (id) => reads.versionOf(id),
    signal: deps.versions,
    timeoutMs: deps.readYourWritesTimeoutMs ?? 2000,
    maxWaiters: deps.maxVersionWaiters,
    fallbackPollMs: deps.fallbackPollMs,
  });
  const databaseAnswers =
    deps.databaseAnswers ??
    (() =>
      deps.db.query("SELECT 1").then(
        () => true,
        () => false,
      ));

  const queries = new Hono<ShellEnv>()
    .route("/items", itemRoutes({ reads, waitForVersion }))
    .route("/inventory", inventoryRoutes(deps.db));

  queries.get("/healthz", async (c) => {
    if (deps.isDraining?.()) {
      return unavailableResponse(c, "unavailable", 5, { detail: "shutting down" });
    }
    if (await databaseAnswers()) return c.json({ status: "ok" });
    return unavailableResponse(c, "unavailable", 1, {
      detail: "the read model database does not answer",
    });
  });
  queries.get("/openapi.json", (c) => c.json(queryApiOpenApi));

  const app = new Hono<ShellEnv>();
  installHttpShell(app, {
    scope: "/queries/*",
    logger: deps.logger ?? silentLogger,
    newId: deps.newId ?? newUuid,
    isUnavailable: isDatabaseUnavailable,
  });
  app.use(
    "/queries/*",
    deps.access.require("items:read", { except: ["/queries/healthz", "/queries/openapi.json"] }),
  );
  app.route("/queries", queries);
  // Last: 405 + Allow for a known path, else the 404 problem (kept when mounted elsewhere).
  installRouteFallback(app, "/queries/*");
  return app;
};
