import { Hono } from "hono";
import type { DataSource } from "typeorm";
import type { ShellEnv } from "../../http/shell.js";
import { InventoryTotalsEntity, ITEM_STATUSES } from "../../read-model/entities.js";

/** Cross-item totals per status; a status with no items shows zeros. */
export const inventoryRoutes = (db: DataSource): Hono<ShellEnv> => {
  const app = new Hono<ShellEnv>();
  app.get("/", async (c) => {
    const rows = await db.getRepository(InventoryTotalsEntity).find();
    const by = new Map(rows.map((r) => [r.status, r]));
    return c.json({
      totals: ITEM_STATUSES.map((status) => {
        const r = by.get(status);
        return {
          status,
          itemCount: r?.itemCount ?? 0,
          stockUnits: r?.stockUnits ?? 0,
          stockValue: r?.stockValue ?? "0",
        };
      }),
    });
  });
  return app;
};
