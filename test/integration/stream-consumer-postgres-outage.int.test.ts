import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  appendLives,
  generateLives,
  type JournalAppender,
  journalAppender,
} from "../../bench/projection-workload.js";
import { seededRandom } from "../../bench/support/args.js";
import { fold } from "../../services/domain/item/index.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { openReadModel } from "../../services/read-model/data-source.js";
import { journalAggregateKey, journalPosition } from "../../services/read-model/journal-keys.js";
import { loadItems } from "../../services/read-model/projector.js";
import { readModelHandler } from "../../services/read-model/stream-handler.js";
import { liveTables, qualified } from "../../services/read-model/tables.js";
import { startDynamoDbStreamWorker } from "../../services/streams/coordinator/dynamodb-stream-worker.js";
import type { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { leaseKeyName } from "../../services/streams/leases/dynamodb/lease-item.js";
import {
  type ConsumerMetrics,
  noMetrics,
} from "../../services/streams/metrics/consumer-metrics.js";
import { DynamoDbParkingStore } from "../../services/streams/parking/dynamodb-parking-store.js";
import type { RecordHandler } from "../../services/streams/processing/process-batch.js";
import { createResilientProcessBatch } from "../../services/streams/processing/resilient-process-batch.js";
import { isInfrastructureError } from "../../services/streams/processing/transient-errors.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { streamArnOf } from "../../services/tables/provision.js";
import { type CuttableProxy, cuttableProxy } from "../support/cuttable-proxy.js";
import { received, renamed } from "../support/events.js";
import { eventually } from "../support/eventually.js";
import type { TestReadModel, TestTables } from "../support/infra.js";
import {
  createTestReadModel,
  createTestTables,
  tableName,
  testDynamoDbStreams,
} from "../support/infra.js";
import { memoryLogger } from "../support/memory-logger.js";

// Issue 7: Postgres goes away mid-stream under the real stream worker (DynamoDB Local stream,
// leases and parking in DynamoDB, the read model behind a TCP proxy that the test cuts).
// The consumer must retry, keep its checkpoint, park nothing, and catch up once Postgres is back.

/** Small backoffs keep the test fast; the outage below outlasts maxRetries several times. */
const policy = { maxRetries: 3, backoff: { initialMs: 10, maxMs: 100, multiplier: 2 } };

interface FailedAttempt {
  readonly sequenceNumbers: readonly string[];
  readonly error: unknown;
}

describe("stream consumer during a Postgres outage", () => {
  let tables: TestTables;
  let model: TestReadModel;
  let proxy: CuttableProxy;
  let viaProxy: DataSource;
  let worker: StreamWorker;
  let store: DynamoDbEventStore;
  let append: JournalAppender;
  let parking: DynamoDbParkingStore;
  let streamArn: string;
  const streams = new DynamoDbStreamClient(testDynamoDbStreams());

  const counts = { retries: 0, parked: 0 };
  const failures: FailedAttempt[] = [];
  const workerErrors: string[] = [];
  const { logger, lines: processingLog } = memoryLogger("stream-consumer");
  let cutAtNextBatch = false;

  const metrics: ConsumerMetrics = {
    ...noMetrics,
    retry: () => {
      counts.retries += 1;
    },
    parked: (_key, n) => {
      counts.parked += n;
    },
  };

  /** The real handler; on request it cuts Postgres off just as a batch starts using it. */
  const observed =
    (real: RecordHandler): RecordHandler =>
    async (input) => {
      const attempt = real(input);
      if (cutAtNextBatch) {
        cutAtNextBatch = false;
        void proxy.cut();
      }
      try {
        return await attempt;
      } catch (error) {
        failures.push({ sequenceNumbers: input.records.map((r) => r.sequenceNumber), error });
        throw error;
      }
    };

  beforeAll(async () => {
    tables = await createTestTables();
    model = await createTestReadModel();
    proxy = await cuttableProxy(new URL(inject("databaseUrl")));
    // Every consumer query (and every read-model check below) goes through the proxy: one pool,
    // so the embedded PGlite never sees two connections at once.
    viaProxy = await openReadModel({
      url: proxy.url,
      schema: model.schema,
      poolSize: inject("databasePoolSize"),
    });
    const journal = tableName(tables, "journal");
    store = new DynamoDbEventStore({ client: tables.client, journalTableName: journal });
    append = journalAppender(tables.client, journal);
    parking = new DynamoDbParkingStore(tables.client, tableName(tables, "parked"));
    streamArn = await streamArnOf(tables.client, journal);
    worker = await startDynamoDbStreamWorker({
      dynamo: tables.client,
      streams: testDynamoDbStreams(),
      leasesTableName: tableName(tables, "leases"),
      streamArn,
      processBatch: createResilientProcessBatch({
        handler: observed(readModelHandler({ db: viaProxy, journal: store, schema: model.schema })),
        parking,
        keyOf: journalAggregateKey,
        positionOf: journalPosition,
        policy,
        metrics,
        logger,
      }),
      metrics,
      config: { idlePollMs: 20, backoffMs: 50 },
      onError: (e, during) => workerErrors.push(`${during}: ${String(e)}`),
    });
  });

  afterAll(async () => {
    await worker?.shutdown();
    await viaProxy?.destroy().catch(() => undefined);
    await proxy?.close();
    await model?.drop();
    await tables?.drop();
  });

  /** The stream's only shard (DynamoDB Local has one) read from TRIM_HORIZON to its tip. */
  const streamTail = async () => {
    const shards = await streams.listShards(streamArn);
    const shardId = shards[0]?.shardId;
    if (shards.length !== 1 || !shardId)
      throw new Error(`expected one shard, got ${shards.length}`);
    let iterator = await streams.getShardIterator(streamArn, shardId, { type: "TRIM_HORIZON" });
    const sequenceNumbers: string[] = [];
    for (;;) {
      const page = await streams.getRecords(iterator, 1000);
      sequenceNumbers.push(...page.records.map((r) => r.sequenceNumber));
      if (page.records.length === 0 || !page.nextIterator) break;
      iterator = page.nextIterator;
    }
    return { shardId, count: sequenceNumbers.length, last: sequenceNumbers.at(-1) };
  };

  /** The shard's checkpoint as stored in the lease table (strongly consistent read). */
  const checkpointOf = async (shardId: string): Promise<string | undefined> => {
    const out = await tables.client.send(
      new GetItemCommand({
        TableName: tableName(tables, "leases"),
        Key: { [leaseKeyName]: { S: shardId } },
        ConsistentRead: true,
      }),
    );
    return out.Item?.checkpoint?.S;
  };

  /** Each item as the journal says it must be (fold of its events) and as Postgres has it. */
  const expectedAndProjected = async (ids: readonly string[]) => {
    const expected = await Promise.all(
      ids.map(async (id) => {
        const { version, events } = await store.readStream(id);
        const state = fold(events.map((e) => e.event));
        if (state.status === "NotRegistered") throw new Error(`item ${id} was never registered`);
        return {
          item: {
            itemId: id,
            name: state.name,
            price: state.price,
            stock: state.stock,
            status: state.status,
            version,
            createdAt: events[0]?.metadata.occurredAt.getTime(),
            updatedAt: events.at(-1)?.metadata.occurredAt.getTime(),
          },
          history: events.map((e) => ({
            itemId: id,
            sequenceNumber: e.metadata.sequenceNumber,
            eventId: e.metadata.eventId,
          })),
        };
      }),
    );
    const t = liveTables(model.schema);
    const items = [...(await loadItems(viaProxy.manager, t, ids)).values()];
    const history: Array<Record<string, unknown>> = await viaProxy.query(
      `SELECT item_id, sequence_number, event_id FROM ${qualified(t, "history")}
        WHERE item_id = ANY($1) ORDER BY item_id, sequence_number`,
      [ids],
    );
    // Stable sorts by id on both sides: rows of one item stay in sequence order.
    const byId = (a: { itemId: unknown }, b: { itemId: unknown }) =>
      String(a.itemId) < String(b.itemId) ? -1 : String(a.itemId) > String(b.itemId) ? 1 : 0;
    return {
      expected: {
        items: expected.map((e) => e.item).sort(byId),
        history: expected.flatMap((e) => e.history).sort(byId),
      },
      projected: {
        items: items
          .flatMap((r) =>
            r ? [{ ...r, createdAt: r.createdAt.getTime(), updatedAt: r.updatedAt.getTime() }] : [],
          )
          .sort(byId),
        history: history
          .map((r) => ({
            itemId: r.item_id,
            sequenceNumber: r.sequence_number,
            eventId: r.event_id,
          }))
          .sort(byId),
      },
    };
  };

  /** Awaits the read model equal to the journal and the checkpoint at the stream's last record. */
  const awaitCaughtUp = async (ids: readonly string[], events: number, what: string) => {
    const done = await eventually(
      async () => {
        const tail = await streamTail();
        if (tail.count !== events || (await checkpointOf(tail.shardId)) !== tail.last) return;
        const state = await expectedAndProjected(ids);
        return JSON.stringify(state.projected) === JSON.stringify(state.expected)
          ? { tail, state }
          : undefined;
      },
      { timeoutMs: 20_000, what },
    );
    expect(done.state.projected).toEqual(done.state.expected);
    return done.tail;
  };

  /** One or two more events for each existing item, appended after its current version. */
  const appendMore = async (ids: readonly string[]) => {
    let appended = 0;
    for (const [i, id] of ids.entries()) {
      const { version } = await store.readStream(id);
      const more = [received(5 + i), ...(i % 2 === 0 ? [renamed(`after outage ${i}`)] : [])];
      const r = await append(id, version, more);
      if (r.isErr()) throw new Error(`append failed: ${JSON.stringify(r.error)}`);
      appended += r.value.length;
    }
    return appended;
  };

  it("retries without advancing its checkpoint or parking while Postgres is away, then catches up completely", async () => {
    // 1. Items projected and checkpointed through Postgres (via the proxy).
    const first = await appendLives(append, generateLives(seededRandom(70), 10, 4));
    const ids = [...new Set(first.map((e) => e.metadata.aggregateId))];
    const before = await awaitCaughtUp(ids, first.length, "the first events to be projected");
    expect(counts.retries).toBe(0);

    // 2. Postgres goes away as the next batch starts; more events arrive meanwhile.
    cutAtNextBatch = true;
    let events = first.length + (await appendMore(ids));
    await eventually(async () => (failures.length > 0 ? true : undefined), {
      what: "the handler to fail",
    });
    const newcomers = await appendLives(append, generateLives(seededRandom(71), 3, 3));
    events += newcomers.length;
    const allIds = [...ids, ...new Set(newcomers.map((e) => e.metadata.aggregateId))];
    // Long enough that counted failures would have exhausted maxRetries and parked records;
    // the checkpoint is sampled all along.
    const checkpointsSeen = new Set<string | undefined>();
    await eventually(
      async () => {
        checkpointsSeen.add(await checkpointOf(before.shardId));
        return counts.retries >= 2 * (policy.maxRetries + 1) ? true : undefined;
      },
      { what: "the consumer to retry while Postgres is away" },
    );
    const during = await streamTail();
    expect(during.count).toBe(events);
    checkpointsSeen.add(await checkpointOf(during.shardId));
    expect([...checkpointsSeen]).toEqual([before.last]);
    const committed = BigInt(before.last ?? "0");
    for (const f of failures)
      for (const s of f.sequenceNumbers) expect(BigInt(s)).toBeGreaterThan(committed);
    // Once the in-flight attempt has failed, the outage reads as an infrastructure fault.
    expect(failures.slice(1).every((f) => isInfrastructureError(f.error))).toBe(true);
    expect(counts.parked).toBe(0);
    expect(await parking.listBlocked()).toEqual([]);
    expect(processingLog.filter((e) => e.msg === "stream record parked")).toEqual([]);

    // 3. Postgres is back: every item equals the fold of its journal, checkpoint at the tip.
    await proxy.restore();
    const after = await awaitCaughtUp(allIds, events, "catch-up after Postgres returned");
    expect(after.shardId).toBe(before.shardId);
    expect(BigInt(after.last ?? "0")).toBeGreaterThan(committed);
    expect(counts.parked).toBe(0);
    expect(await parking.listBlocked()).toEqual([]);
    // The outage never escaped ProcessBatch (stream read hiccups of DynamoDB Local are not ours).
    expect(workerErrors.filter((e) => !e.startsWith("reading "))).toEqual([]);
  });
});
