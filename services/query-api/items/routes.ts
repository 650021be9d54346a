import { type Context, Hono } from "hono";
import type { Result } from "neverthrow";
import { createItemId, type ItemId } from "../../domain/item/values.js";
import { allErrors, type FieldError } from "../../domain/shared/validation.js";
import {
  notFoundProblem,
  problemResponse,
  unavailableResponse,
  validationProblem,
} from "../../http/problem.js";
import type { ShellEnv } from "../../http/shell.js";
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
  return problemResponse(c, "read-model-lagging", {
    detail: `waited for version ${minVersion}, the read model is at ${version}; retry later`,
    minVersion,
    currentVersion: version,
  });
};

export const itemRoutes = (deps: ItemRoutesDeps): Hono<ShellEnv> => {
  const app = new Hono<ShellEnv>();

  /**
   * Validates `:id` and the query together (every invalid field in one 400), then waits for
   * `?minVersion=` if asked (read-your-writes). A Response when the request ends here.
   */
  const itemRequest = async <P extends { readonly minVersion?: number }>(
    c: Context,
    parse: (query: Record<string, string>) => Result<P, FieldError[]>,
  ): Promise<{ id: ItemId; params: P } | Response> => {
    const parsed = allErrors(createItemId(c.req.param("id")), parse(c.req.query()));
    if (parsed.isErr()) return validationProblem(c, parsed.error);
    const [id, params] = parsed.value;
    const { minVersion } = params;
    if (minVersion !== undefined) {
      const waited = await deps.waitForVersion(id, minVersion);
      if ("overloaded" in waited) {
        return unavailableResponse(c, "overloaded", 1, {
          detail: "too many requests wait for the read model to catch up; retry later",
        });
      }
      if (!waited.reached) return notYetProjected(c, minVersion, waited.version);
    }
    return { id, params };
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
    const req = await itemRequest(c, parseItemParams);
    if (req instanceof Response) return req;
    const row = await deps.reads.findItem(req.id);
    if (!row) return notFoundProblem(c, `no item ${req.id}`);
    const etag = `"${row.version}"`;
    c.header("ETag", etag);
    if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
    return c.json(itemJson(row));
  });

  app.get("/:id/history", async (c) => {
    const req = await itemRequest(c, parseHistoryParams);
    if (req instanceof Response) return req;
    const page = await deps.reads.listHistory(req.id, req.params);
    if (page.rows.length === 0 && req.params.after === undefined) {
      return notFoundProblem(c, `no item ${req.id}`);
    }
    const last = page.rows.at(-1);
    return c.json({
      itemId: req.id,
      events: page.rows.map(historyJson),
      nextCursor: page.more && last ? encodeCursor(last.sequenceNumber) : null,
    });
  });

  return app;
};
