import { Hono } from "hono";
import type { DataSource } from "typeorm";
import { createItemId } from "../domain/item/values.js";
import { notFoundProblem, validationProblem } from "../http/problem.js";
import { ItemEntity } from "../read-model/entities.js";

export interface QueryApiDeps {
  readonly db: DataSource;
}

export const createQueryApi = (deps: QueryApiDeps): Hono => {
  const app = new Hono();
  const items = deps.db.getRepository(ItemEntity);

  app.get("/queries/healthz", async (c) => {
    await deps.db.query("SELECT 1");
    return c.json({ status: "ok" });
  });

  app.get("/queries/items/:id", async (c) => {
    const id = createItemId(c.req.param("id"));
    if (id.isErr()) return validationProblem(c, [id.error]);
    const row = await items.findOneBy({ itemId: id.value });
    if (!row) return notFoundProblem(c, `no item ${id.value}`);
    c.header("ETag", `"${row.version}"`);
    return c.json({
      itemId: row.itemId,
      name: row.name,
      price: row.price,
      stock: row.stock,
      status: row.status,
      version: row.version,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    });
  });

  return app;
};
