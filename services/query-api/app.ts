import { Hono } from "hono";
import type { DataSource } from "typeorm";
import { installRouteFallback } from "../http/method-not-allowed.js";
import { problem, problemType } from "../http/problem.js";
import type { VersionSignal } from "../read-model/version-signal.js";
import { inventoryRoutes } from "./inventory/routes.js";
import { ItemReads } from "./items/read.js";
import { itemRoutes } from "./items/routes.js";
import { queryApiOpenApi } from "./openapi.js";
import { createVersionWaiter } from "./read-your-writes/version-waiter.js";

export interface QueryApiDeps {
  readonly db: DataSource;
  /** Projector commits (LISTEN/NOTIFY or in-process); without it read-your-writes polls. */
  readonly versions?: VersionSignal;
  /** How long `?minVersion=` waits before answering 504. */
  readonly readYourWritesTimeoutMs?: number;
  readonly fallbackPollMs?: number;
  /** True once shutdown began: health turns 503 so the load balancer stops sending traffic. */
  readonly isDraining?: () => boolean;
}

export const createQueryApi = (deps: QueryApiDeps): Hono => {
  const reads = new ItemReads(deps.db);
  const waitForVersion = createVersionWaiter({
    readVersion: (id) => reads.versionOf(id),
    signal: deps.versions,
    timeoutMs: deps.readYourWritesTimeoutMs ?? 2000,
    fallbackPollMs: deps.fallbackPollMs,
  });

  const queries = new Hono()
    .route("/items", itemRoutes({ reads, waitForVersion }))
    .route("/inventory", inventoryRoutes(deps.db));

  queries.get("/healthz", async (c) => {
    if (deps.isDraining?.()) {
      return problem(c, {
        type: problemType("unavailable"),
        title: "Shutting down",
        status: 503,
        detail: "shutting down",
      });
    }
    const ok = await deps.db.query("SELECT 1").then(
      () => true,
      () => false,
    );
    if (ok) return c.json({ status: "ok" });
    return problem(c, {
      type: problemType("unavailable"),
      title: "Read model database unavailable",
      status: 503,
    });
  });
  queries.get("/openapi.json", (c) => c.json(queryApiOpenApi));

  const app = new Hono().route("/queries", queries);
  // Last: 405 + Allow for a known path, else the 404 problem (kept when mounted elsewhere).
  installRouteFallback(app, "/queries/*");
  return app;
};
