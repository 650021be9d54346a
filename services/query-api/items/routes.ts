import { type Context, Hono } from "hono";
import { createItemId } from "../../domain/item/values.js";
import { notFoundProblem, problem, problemType, validationProblem } from "../../http/problem.js";
import type { VersionWaiter } from "../read-your-writes/version-waiter.js";
import {
  encodeCursor,
  etagMatches,
  parseHistoryParams,
  parseItemListParams,
  parseItemParams,
} from "./params.js";
import { historyJson, type ItemReads, itemJson } from "./read.js";

export interface ItemRoutesDeps {
  readonly reads: ItemReads;
  readonly waitForVersion: VersionWaiter;
}

/**
 * Not caught up within the wait: 504 (the projection is our upstream), with the version it has
 * reached, so the client can retry after `Retry-After`.
 */
const notYetProjected = (c: Context, minVersion: number, version: number) => {
  c.header("Retry-After", "1");
  return problem(c, {
    type: problemType("read-model-lagging"),
    title: "The read model has not reached the requested version yet",
    status: 504,
    detail: `waited for version ${minVersion}, the read model is at ${version}; retry later`,
    minVersion,
    currentVersion: version,
  });
};

export const itemRoutes = (deps: ItemRoutesDeps): Hono => {
  const app = new Hono();

  /** Read-your-writes: waits for `minVersion` if asked; the 504 to answer if it is not reached. */
  const waitForMinVersion = async (c: Context, itemId: string, minVersion: number | undefined) => {
    if (minVersion === undefined) return undefined;
    const waited = await deps.waitForVersion(itemId, minVersion);
    return waited.reached ? undefined : notYetProjected(c, minVersion, waited.version);
  };

  app.get("/", async (c) => {
    const params = parseItemListParams(c.req.query());
    if (params.isErr()) return validationProblem(c, params.error);
    const page = await deps.reads.listItems(params.value);
    const last = page.rows.at(-1);
    return c.json({
      items: page.rows.map(itemJson),
      nextCursor: page.more && last ? encodeCursor(last.itemId) : null,
    });
  });

  app.get("/:id", async (c) => {
    const id = createItemId(c.req.param("id"));
    const params = parseItemParams(c.req.query());
    const errors = [...(id.isErr() ? [id.error] : []), ...(params.isErr() ? params.error : [])];
    if (id.isErr() || params.isErr()) return validationProblem(c, errors);
    const lagging = await waitForMinVersion(c, id.value, params.value.minVersion);
    if (lagging) return lagging;
    const row = await deps.reads.findItem(id.value);
    if (!row) return notFoundProblem(c, `no item ${id.value}`);
    const etag = `"${row.version}"`;
    c.header("ETag", etag);
    if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
    return c.json(itemJson(row));
  });

  app.get("/:id/history", async (c) => {
    const id = createItemId(c.req.param("id"));
    const params = parseHistoryParams(c.req.query());
    const errors = [...(id.isErr() ? [id.error] : []), ...(params.isErr() ? params.error : [])];
    if (id.isErr() || params.isErr()) return validationProblem(c, errors);
    const lagging = await waitForMinVersion(c, id.value, params.value.minVersion);
    if (lagging) return lagging;
    const page = await deps.reads.listHistory(id.value, params.value);
    if (page.rows.length === 0 && params.value.after === undefined) {
      return notFoundProblem(c, `no item ${id.value}`);
    }
    const last = page.rows.at(-1);
    return c.json({
      itemId: id.value,
      events: page.rows.map(historyJson),
      nextCursor: page.more && last ? encodeCursor(last.sequenceNumber) : null,
    });
  });

  return app;
};
