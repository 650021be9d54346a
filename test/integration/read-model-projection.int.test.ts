import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpReadModel, generateLives } from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import type { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { createProjector, type JournalReader } from "../../services/read-model/projector.js";
import { liveTables } from "../../services/read-model/tables.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import { createTestReadModel } from "../support/infra.js";
import { seededJournal } from "../support/journal.js";

// Exactly-once effect from at-least-once delivery: duplicates, reordering and gaps all end in
// the state of a clean in-order projection, against real DynamoDB Local and Postgres.
describe("read-model projection", () => {
  let tables: TestTables;
  let store: DynamoDbEventStore;
  let events: StoredEvent[];
  const models: TestReadModel[] = [];
  const random = seededRandom(7);

  const counting = (journal: JournalReader) => {
    const calls = { n: 0 };
    const reader: JournalReader = {
      readStream: (id, after) => {
        calls.n += 1;
        return journal.readStream(id, after);
      },
    };
    return { reader, calls };
  };

  const freshModel = async () => {
    const m = await createTestReadModel();
    models.push(m);
    return m;
  };

  const batches = <T>(list: readonly T[], max: number): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < list.length; ) {
      const size = 1 + Math.floor(random() * max);
      out.push(list.slice(i, i + size));
      i += size;
    }
    return out;
  };

  const shuffle = <T>(list: readonly T[]): T[] => {
    const a = [...list];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  };

  let reference: Awaited<ReturnType<typeof dumpReadModel>>;

  beforeAll(async () => {
    ({ tables, store, events } = await seededJournal(generateLives(random, 60, 6)));
    const clean = await freshModel();
    const project = createProjector({
      db: clean.db,
      journal: store,
      tables: liveTables(clean.schema),
    });
    for (const b of batches(events, 40)) await project(b);
    reference = await dumpReadModel(clean.db, clean.schema);
  });

  afterAll(async () => {
    for (const m of models) await m.drop();
    await tables?.drop();
  });

  it("projects every event once: one history row per event, totals agree with the items", async () => {
    expect(reference.history).toHaveLength(events.length);
    const m = models[0] as TestReadModel;
    const fromItems = await m.db.query(
      `SELECT status, count(*)::bigint AS item_count, sum(stock)::bigint AS stock_units,
              sum(stock * price)::text AS stock_value
         FROM "${m.schema}".items GROUP BY status ORDER BY status`,
    );
    expect(reference.totals).toEqual(fromItems);
  });

  it("ends in the same state when every batch is delivered twice", async () => {
    const m = await freshModel();
    const { reader, calls } = counting(store);
    const project = createProjector({ db: m.db, journal: reader, tables: liveTables(m.schema) });
    for (const b of batches(events, 25)) {
      const first = await project(b);
      const again = await project(b);
      expect(again.applied).toBe(0);
      expect(first.applied).toBeGreaterThanOrEqual(0);
    }
    expect(calls.n).toBe(0);
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
  });

  it("heals gaps from the journal when the events of an item arrive shuffled", async () => {
    const m = await freshModel();
    const { reader, calls } = counting(store);
    const project = createProjector({ db: m.db, journal: reader, tables: liveTables(m.schema) });
    for (const b of batches(shuffle(events), 30)) await project(b);
    expect(calls.n).toBeGreaterThan(0);
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
  });

  it("ends in the same state when a parked event is replayed after its successors", async () => {
    const m = await freshModel();
    const project = createProjector({ db: m.db, journal: store, tables: liveTables(m.schema) });
    // Park every item's second event: the rest of the stream goes on, gaps heal from the journal.
    const parked = events.filter((e) => e.metadata.sequenceNumber === 2);
    const flowing = events.filter((e) => e.metadata.sequenceNumber !== 2);
    for (const b of batches(flowing, 40)) await project(b);
    // Replayed later: duplicates where a successor already healed the gap, applied otherwise.
    const healed = new Set(
      flowing.filter((e) => e.metadata.sequenceNumber > 2).map((e) => e.metadata.aggregateId),
    );
    const replay = await project(parked);
    expect(replay.applied).toBe(parked.filter((e) => !healed.has(e.metadata.aggregateId)).length);
    expect(healed.size).toBeGreaterThan(0);
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
  });

  it("ends in the same state when concurrent batches race on the same items", async () => {
    const m = await freshModel();
    const project = createProjector({ db: m.db, journal: store, tables: liveTables(m.schema) });
    const parts = batches(shuffle(events), 50);
    await Promise.all(
      [0, 1, 2].map(async (k) => {
        for (const b of k === 1 ? [...parts].reverse() : parts) await project(b);
      }),
    );
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
  });
});
