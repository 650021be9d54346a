import type { DataSource, QueryRunner } from "typeorm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock } from "../../services/clock/clock.js";
import { journalPut } from "../../services/event-store/journal.js";
import { silentLogger } from "../../services/logging/logger.js";
import { openReadModel } from "../../services/read-model/data-source.js";
import { journalAggregateKey, journalPosition } from "../../services/read-model/journal-keys.js";
import { readModelHandler } from "../../services/read-model/stream-handler.js";
import { liveTables, qualified } from "../../services/read-model/tables.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { createResilientProcessBatch } from "../../services/streams/processing/resilient-process-batch.js";
import type { StreamRecord } from "../../services/streams/retrieval/stream-client.js";
import { InMemoryParkingStore } from "../streams-sim/in-memory-parking-store.js";
import { newItemId, registered, stored } from "../support/events.js";
import { eventually } from "../support/eventually.js";
import type { TestReadModel } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";

// Real Postgres: another session holds the items table locked, as the rebuild's swap does,
// for longer than the projection's query timeout. The record is old, far past the maximum
// record age: had the timeout counted as the record's failure, it would be parked at once.
describe("projection behind a lock held by another session", () => {
  let model: TestReadModel;
  let db: DataSource;
  let locker: QueryRunner;

  beforeAll(async () => {
    model = await createTestReadModel();
    db = await openReadModel({
      url: inject("databaseUrl"),
      schema: model.schema,
      poolSize: 2,
      queryTimeoutMs: 300,
    });
  });
  afterAll(async () => {
    await locker?.release().catch(() => {});
    await db.destroy();
    await model.drop();
  });

  it("is retried past the query timeout and never parked, even for a record older than the maximum age", async () => {
    const itemId = newItemId();
    const put = journalPut("journal", stored(1, registered(itemId, "Oolong", 700), itemId)).Put;
    const record: StreamRecord = {
      sequenceNumber: "000000000000000000001",
      approximateCreationTime: new Date("2020-01-01T00:00:00Z"),
      keys: {},
      ...(put?.Item ? { newImage: put.Item } : {}),
    };
    const parking = new InMemoryParkingStore();
    let retries = 0;
    const processBatch = createResilientProcessBatch({
      handler: readModelHandler({
        db,
        schema: model.schema,
        journal: {
          readStream: async () => {
            throw new Error("no gap to heal here");
          },
        },
      }),
      parking,
      keyOf: journalAggregateKey,
      positionOf: journalPosition,
      policy: {
        maxRetries: 0,
        maxRecordAgeMs: 1_000,
        backoff: { initialMs: 20, maxMs: 100, multiplier: 2 },
      },
      clock: systemClock,
      metrics: { ...noMetrics, retry: () => retries++ },
      logger: silentLogger,
    });

    locker = model.db.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    const items = qualified(liveTables(model.schema), "items");
    await locker.query(`LOCK TABLE ${items} IN ACCESS EXCLUSIVE MODE`);

    const done = processBatch({ shardId: "s1", records: [record] });
    const parked = async () => (await parking.listBlocked()).length > 0;
    await eventually(async () => (retries >= 3 || (await parked()) ? true : undefined), {
      what: "three attempts to time out behind the lock",
    });
    expect(await parked()).toBe(false);
    await locker.commitTransaction();

    expect(await done).toEqual({ checkpointUpTo: record.sequenceNumber });
    expect(await parking.listBlocked()).toEqual([]);
    const rows = await db.query(`SELECT name FROM ${items} WHERE item_id = $1`, [itemId]);
    expect(rows).toEqual([{ name: "Oolong" }]);
  });
});
