import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendLives,
  dumpReadModel,
  generateLives,
  journalAppender,
} from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import { type Kinesalite, startKinesalite } from "../../dev/kinesalite.js";
import { kinesisClient } from "../../services/config/aws-clients.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { journalPut } from "../../services/event-store/journal.js";
import { createProjector } from "../../services/read-model/projector.js";
import { readModelHandler } from "../../services/read-model/stream-handler.js";
import { liveTables } from "../../services/read-model/tables.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { simpleProcessBatch } from "../../services/streams/processing/process-batch.js";
import { kinesisDynamoDbChange } from "../../services/streams/retrieval/kinesis-dynamodb-record.js";
import { KinesisStreamClient } from "../../services/streams/retrieval/kinesis-stream-client.js";
import { eventually } from "../support/eventually.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import {
  createTestReadModel,
  createTestTables,
  tableName,
  uniqueSuffix,
} from "../support/infra.js";
import { createKinesisStream } from "../support/kinesis.js";

// AWS documents that Kinesis Data Streams for DynamoDB may reorder and duplicate records. The
// journal's changes go into kinesalite shuffled, a third of them twice, spread over 4 shards
// regardless of item; the consumer projects them into Postgres. The read model must equal the
// one a clean in-order projection builds: exactly once and in order per item.
// A loaded 2-core runner (every suite at once) can take minutes for what takes seconds alone.
describe("read model fed by Kinesis Data Streams for DynamoDB, reordered and duplicated", {
  timeout: 180_000,
}, () => {
  let tables: TestTables;
  let kinesalite: Kinesalite;
  const models: TestReadModel[] = [];
  const random = seededRandom(16);

  beforeAll(async () => {
    tables = await createTestTables();
    kinesalite = await startKinesalite();
  });
  afterAll(async () => {
    for (const m of models) await m.drop();
    await kinesalite?.stop();
    await tables?.drop();
  });

  it("ends in the state of an in-order projection", async () => {
    const journal = tableName(tables, "journal");
    const store = new DynamoDbEventStore({ client: tables.client, journalTableName: journal });
    const events = await appendLives(
      journalAppender(tables.client, journal),
      generateLives(random, 40, 6),
    );
    const clean = await createTestReadModel();
    models.push(clean);
    await createProjector({ db: clean.db, journal: store, tables: liveTables(clean.schema) })(
      events,
    );
    const reference = await dumpReadModel(clean.db, clean.schema);

    // The journal items as the table stores them, each as the JSON change AWS writes.
    const changes = events.map((e) => {
      const item = journalPut(journal, e).Put?.Item ?? {};
      const keys = {
        aggregateId: { S: e.metadata.aggregateId },
        sequenceNumber: { N: String(e.metadata.sequenceNumber) },
      };
      return JSON.stringify(
        kinesisDynamoDbChange({
          eventName: "INSERT",
          tableName: journal,
          createdAt: e.metadata.occurredAt,
          keys,
          newImage: item,
        }),
      );
    });
    const delivered = [...changes, ...changes.filter(() => random() < 0.33)];
    for (let i = delivered.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [delivered[i], delivered[j]] = [delivered[j] as string, delivered[i] as string];
    }
    const kinesis = kinesisClient({ endpoint: kinesalite.endpoint });
    const name = `delivery-${uniqueSuffix()}`;
    const arn = await createKinesisStream(kinesis, name, 4);
    for (let i = 0; i < delivered.length; i += 100)
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: name,
          Records: delivered.slice(i, i + 100).map((d, k) => ({
            PartitionKey: `p${i + k}`,
            Data: new TextEncoder().encode(d),
          })),
        }),
      );
    expect(delivered.length).toBeGreaterThan(events.length);

    const m = await createTestReadModel();
    models.push(m);
    const worker = new StreamWorker({
      workerId: workerId("kinesis-delivery"),
      streamArn: arn,
      client: new KinesisStreamClient(kinesis),
      leases: new DynamoDbLeaseStore(tables.client, tableName(tables, "leases")),
      processBatch: simpleProcessBatch(
        readModelHandler({ db: m.db, journal: store, schema: m.schema }),
      ),
      config: { idlePollMs: 20, batchSize: 37 },
    });
    await worker.start();
    try {
      await eventually(
        async () => {
          const now = await dumpReadModel(m.db, m.schema);
          return now.history.length === reference.history.length ? now : undefined;
        },
        { timeoutMs: 120_000, what: "every event projected" },
      );
    } finally {
      await worker.shutdown();
    }
    expect(await dumpReadModel(m.db, m.schema)).toEqual(reference);
  });
});
