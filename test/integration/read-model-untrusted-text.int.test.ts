import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendLives, dumpReadModel, journalAppender } from "../../bench/projection-workload.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { createQueryApi } from "../../services/query-api/app.js";
import { createProjector } from "../../services/read-model/projector.js";
import { rebuildReadModel } from "../../services/read-model/rebuild/rebuild.js";
import { liveTables } from "../../services/read-model/tables.js";
import { discontinued, registered, renamed } from "../support/events.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import { createTestTables, singleConnectionReadModel, tableName } from "../support/infra.js";
import { presetCaller } from "../support/preset-caller.js";

// Events already in a journal were never validated against today's rules: whatever text they
// hold (a NUL Postgres refuses, a lone surrogate), they must project and rebuild.
describe("events with text Postgres cannot store", () => {
  let tables: TestTables;
  let store: DynamoDbEventStore;
  const models: TestReadModel[] = [];
  const itemId = "0193a5b0-0000-7000-8000-000000000001";

  beforeAll(async () => {
    tables = await createTestTables();
    store = new DynamoDbEventStore({
      client: tables.client,
      journalTableName: tableName(tables, "journal"),
    });
  });
  afterAll(async () => {
    for (const m of models) await m.drop();
    await tables.drop();
  });

  it("projects an event with a NUL in its name, shows it in the history, and survives a rebuild", async () => {
    const events = await appendLives(journalAppender(tables.client, tableName(tables, "journal")), [
      {
        itemId,
        events: [
          registered(itemId, "tea\u0000pot", 100),
          renamed("pot\ud800"),
          discontinued("gone\u0000"),
        ],
      },
    ]);
    const live = await singleConnectionReadModel();
    models.push(live);
    await createProjector({ db: live.db, journal: store, tables: liveTables(live.schema) })(events);

    const api = createQueryApi({ db: live.db, access: presetCaller() });
    const item = await api.request(`/queries/items/${itemId}`);
    expect(item.status).toBe(200);
    expect(await item.json()).toMatchObject({ name: "pot\ufffd", version: 3 });
    const history = await api.request(`/queries/items/${itemId}/history`);
    expect(history.status).toBe(200);
    const { events: rows } = (await history.json()) as { events: { summary: string }[] };
    expect(rows.map((r) => r.summary)).toEqual([
      'Registered "tea\ufffdpot" at price 100',
      'Renamed to "pot\ufffd"',
      "Discontinued: gone\ufffd",
    ]);

    const rebuilt = await singleConnectionReadModel();
    models.push(rebuilt);
    const outcome = await rebuildReadModel({
      db: rebuilt.db,
      schema: rebuilt.schema,
      dynamo: tables.client,
      journalTableName: tableName(tables, "journal"),
      journal: store,
      segments: 2,
    });
    expect(outcome.events).toBe(3);
    expect(await dumpReadModel(rebuilt.db, rebuilt.schema)).toEqual(
      await dumpReadModel(live.db, live.schema),
    );
  });
});
