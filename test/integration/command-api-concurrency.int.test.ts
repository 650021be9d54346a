import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCommandApiHarness, type Harness } from "../support/command-api-harness.js";

// Many requests racing on one item: the journal's conditional writes plus re-deciding on fresh
// state must never oversell, and every loser must get a definite answer.
describe("50 parallel ship-stock of 1 on an item with stock 20", () => {
  let h: Harness;
  beforeAll(async () => {
    // Deep enough a queue for all 50, and a deadline no loaded CI machine reaches: admission
    // control and deadlines are tested on their own; here every request must run.
    h = await createCommandApiHarness({
      admission: { maxDepth: 64, maxInFlight: 256 },
      requestDeadlineMs: 600_000,
    });
  });
  afterAll(async () => {
    await h.drop();
  });

  it("lets exactly 20 succeed, refuses 30 with 422, and ends at stock 0", async () => {
    const id = await h.register(20);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => h.post(`/commands/items/${id}/ship-stock`, { quantity: 1 })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 422)).toHaveLength(30);
    const refusals = await Promise.all(
      answers.filter((r) => r.status === 422).map((r) => r.json() as Promise<{ rule: string }>),
    );
    expect(new Set(refusals.map((p) => p.rule))).toEqual(new Set(["StockNeverNegative"]));

    const versions = await Promise.all(
      answers
        .filter((r) => r.status === 200)
        .map(async (r) => ((await r.json()) as { version: number }).version),
    );
    expect(new Set(versions).size).toBe(20);

    const loaded = await h.repository.load(id, { fresh: true });
    expect(loaded.state).toMatchObject({ stock: 0 });
    const events = (await h.journal.readStream(id)).events.map((e) => e.event.type);
    expect(events.filter((t) => t === "StockShipped")).toHaveLength(20);
    expect(events).toHaveLength(22);
  });
});
