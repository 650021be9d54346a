import { it } from "vitest";
import { createCommandApiHarness } from "../support/command-api-harness.js";
it("dbg", async () => {
  const h = await createCommandApiHarness();
  const other = await createCommandApiHarness({ tables: h.tables });
  const id = await h.register(0);
  console.log(h.tables.names, other.tables.names);
  const r = await other.post(`/commands/items/${id}/receive-stock`, { quantity: 5 });
  console.log(r.status, await r.text());
  console.log(await other.repository.load(id), await h.repository.load(id, {fresh: true}));
  await h.drop();
});
