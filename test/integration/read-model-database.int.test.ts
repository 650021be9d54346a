import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dumpReadModel, generateLives } from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import type { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { openReadModel } from "../../services/read-model/data-source.js";
import { createProjector, type JournalReader } from "../../services/read-model/projector.js";
import { liveTables } from "../../services/read-model/tables.js";
import { cuttableProxy } from "../support/cuttable-proxy.js";
import type { TestTables } from "../support/infra.js";
import { createTestReadModel, uniqueSuffix } from "../support/infra.js";
import { seededJournal } from "../support/journal.js";

describe("read-model database", () => {
  let tables: TestTables;
  let store: DynamoDbEventStore;
  let events: StoredEvent[];

  beforeAll(async () => {
    ({ tables, store, events } = await seededJournal(generateLives(seededRandom(11), 20, 5)));
  });

  afterAll(async () => {
    await tables?.drop();
  });

  it("has migrations that match the entities (no schema drift)", async () => {
    const m = await createTestReadModel();
    try {
      const log = await m.db.driver.createSchemaBuilder().log();
      expect(log.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await m.drop();
    }
  });

  it("migrates once when several tasks start at the same time", async () => {
    const schema = `rm_${uniqueSuffix()}`;
    const url = inject("databaseUrl");
    const opened: DataSource[] = await Promise.all(
      [1, 2, 3, 4].map(() => openReadModel({ url, schema, poolSize: 2 })),
    );
    try {
      const first = opened[0] as DataSource;
      const runs = await first.query(`SELECT name FROM "${schema}".read_model_migrations`);
      expect(runs).toHaveLength(first.migrations.length);
      expect(await first.showMigrations()).toBe(false);
    } finally {
      await (opened[0] as DataSource).query(`DROP SCHEMA "${schema}" CASCADE`);
      for (const ds of opened) await ds.destroy();
    }
  });

  it("writes nothing of a batch when Postgres goes away mid-transaction, and catches up after", async () => {
    const m = await createTestReadModel();
    const proxy = await cuttableProxy(new URL(inject("databaseUrl")));
    const viaProxy = await openReadModel({ url: proxy.url, schema: m.schema, poolSize: 2 });
    try {
      const half = Math.floor(events.length / 2);
      const tables = liveTables(m.schema);
      await createProjector({ db: viaProxy, journal: store, tables })(events.slice(0, half));
      const before = await dumpReadModel(m.db, m.schema);

      // The connection dies while the batch's transaction is open (during a gap read).
      let cutDone = false;
      const cutting: JournalReader = {
        readStream: async (id, after) => {
          if (!cutDone) {
            cutDone = true;
            await proxy.cut();
          }
          return store.readStream(id, after);
        },
      };
      const rest = events.slice(half);
      // Leave out one event that has a successor, so the batch must heal a gap.
      const skipped = rest.findIndex((e) =>
        rest.some(
          (f) =>
            f.metadata.aggregateId === e.metadata.aggregateId &&
            f.metadata.sequenceNumber === e.metadata.sequenceNumber + 1,
        ),
      );
      const withGap = rest.filter((_, i) => i !== skipped);
      const failing = createProjector({ db: viaProxy, journal: cutting, tables });
      await expect(failing(withGap)).rejects.toThrow();
      expect(cutDone).toBe(true);
      expect(await dumpReadModel(m.db, m.schema)).toEqual(before);

      // Postgres is back: the retried batch applies completely, exactly once.
      await proxy.restore();
      await createProjector({ db: viaProxy, journal: store, tables })(rest);
      const after = await dumpReadModel(m.db, m.schema);
      expect(after.history).toHaveLength(events.length);

      const clean = await createTestReadModel();
      await createProjector({ db: clean.db, journal: store, tables: liveTables(clean.schema) })(
        events,
      );
      expect(after).toEqual(await dumpReadModel(clean.db, clean.schema));
      await clean.drop();
    } finally {
      await viaProxy.destroy().catch(() => undefined);
      await proxy.close();
      await m.drop();
    }
  });
});
