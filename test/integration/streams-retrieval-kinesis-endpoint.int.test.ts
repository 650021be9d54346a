import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Kinesalite, startKinesalite } from "../../dev/kinesalite.js";
import { kinesisClient } from "../../services/config/aws-clients.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { KinesisStreamClient } from "../../services/streams/retrieval/kinesis-stream-client.js";
import { StreamReadError } from "../../services/streams/retrieval/stream-client.js";
import { leasesTable } from "../../services/tables/definitions.js";
import { handledLog, missing, orderViolations, workerPool } from "../streams-sim/harness.js";
import { eventually } from "../support/eventually.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName, uniqueSuffix } from "../support/infra.js";
import {
  createKinesisStream,
  mergeAdjacent,
  putJournalChanges,
  round,
} from "../support/kinesis.js";
import { type KinesisEndpoint, startKinesisEndpoint } from "../support/kinesis-endpoint.js";

// The Kinesis client through the real SDK against an endpoint that behaves as the service does
// where kinesalite does not: paged ListShards, throttled GetRecords, ChildShards at shard end.
const config = {
  failoverMs: 1_500,
  renewIntervalMs: 500,
  takeIntervalMs: 300,
  idlePollMs: 40,
  backoffMs: 50,
  parentPollMs: 100,
  // No periodic listing during the test: only the start-up sync lists shards.
  shardSyncIntervalMs: 600_000,
};

// A loaded 2-core runner (every suite at once) can take minutes for what takes seconds alone.
describe("Kinesis client against the service's paging, throttling and ChildShards", {
  timeout: 180_000,
}, () => {
  let kinesalite: Kinesalite;
  let endpoint: KinesisEndpoint;
  let tables: TestTables;
  const direct = () => kinesisClient({ endpoint: kinesalite.endpoint });
  const proxied = () => new KinesisStreamClient(kinesisClient({ endpoint: endpoint.url }));
  const pool = workerPool({
    config,
    client: proxied,
    leases: () => new DynamoDbLeaseStore(tables.client, tableName(tables, "leases")),
  });
  const startWorker = pool.start;
  const callsOf = (op: string) => endpoint.calls.filter((c) => c.op === op);

  beforeAll(async () => {
    kinesalite = await startKinesalite();
    endpoint = await startKinesisEndpoint(kinesalite.endpoint);
  });
  afterAll(async () => {
    await endpoint?.close();
    await kinesalite?.stop();
  });
  // Each test its own lease table (shard ids repeat across streams) and its own worker.
  beforeEach(async () => {
    tables = await createTestTables([leasesTable]);
  });
  afterEach(async () => {
    await pool.stopAll();
    await tables?.drop();
  });

  it("lists every shard page by page, the shard filter on the first request only", async () => {
    const arn = await createKinesisStream(direct(), `paging-${uniqueSuffix()}`, 8);
    const before = callsOf("ListShards").length;
    const client = new KinesisStreamClient(kinesisClient({ endpoint: endpoint.url }), {
      pageSize: 3,
    });
    const shards = await client.listShards(arn);
    expect(shards.map((s) => s.shardId)).toHaveLength(8);
    expect(new Set(shards.map((s) => s.shardId)).size).toBe(8);
    const requests = callsOf("ListShards")
      .slice(before)
      .map((c) => c.body);
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      ShardFilter: { Type: "FROM_TRIM_HORIZON" },
      MaxResults: 3,
    });
    expect(requests[0]?.StreamName).toBe(arn.split("/").at(-1));
    for (const later of requests.slice(1)) {
      expect(later.NextToken).toEqual(expect.any(String));
      expect(later.StreamName).toBeUndefined();
      expect(later.ShardFilter).toBeUndefined();
    }
  });

  it("reports ProvisionedThroughputExceeded as Throttled, and the consumer backs off and reads on", async () => {
    const name = `throttle-${uniqueSuffix()}`;
    const arn = await createKinesisStream(direct(), name, 1);
    const client = proxied();
    const [shard] = await client.listShards(arn);
    const iterator = await client.getShardIterator(arn, shard?.shardId ?? "", {
      type: "TRIM_HORIZON",
    });
    // The SDK itself retries throttling (5 attempts in all): the sixth answer would succeed.
    endpoint.throttleGetRecords(5);
    const error = await client.getRecords(iterator, 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamReadError);
    expect((error as StreamReadError).kind).toBe("Throttled");

    const { log, processBatch } = handledLog();
    await startWorker("throttled", arn, processBatch("throttled"));
    const keys = ["a", "b", "c"];
    const throttledBefore = callsOf("GetRecords").length;
    // One GetRecords gives up after the SDK's 5 attempts; the consumer backs off and goes on.
    endpoint.throttleGetRecords(7);
    for (let v = 1; v <= 3; v++) await putJournalChanges(direct(), name, round(keys, v));
    await eventually(async () => (missing(log, keys, 3).length === 0 ? true : undefined), {
      timeoutMs: 90_000,
    });
    expect(orderViolations(log)).toEqual([]);
    expect(log).toHaveLength(9);
    expect(callsOf("GetRecords").length - throttledBefore).toBeGreaterThan(7);
  });

  it("takes a merged shard's lease, with both parents, from ChildShards without listing the stream", async () => {
    const name = `children-${uniqueSuffix()}`;
    const arn = await createKinesisStream(direct(), name, 2);
    endpoint.childShards = true;
    const { log, processBatch } = handledLog();
    await startWorker("children", arn, processBatch("children"));
    const keys = Array.from({ length: 20 }, (_, i) => `item-${i}`);
    await putJournalChanges(direct(), name, round(keys, 1));
    await eventually(async () => (missing(log, keys, 1).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
    });
    const listingsBefore = callsOf("ListShards").length;

    const parents = await mergeAdjacent(direct(), name, 0);
    await putJournalChanges(direct(), name, round(keys, 2));
    await eventually(async () => (missing(log, keys, 2).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
    });
    expect(orderViolations(log)).toEqual([]);

    const leases = await new DynamoDbLeaseStore(tables.client, tableName(tables, "leases")).list();
    const child = leases.find((l) => l.parentShardIds.length === 2);
    expect(child?.parentShardIds).toEqual([...parents]);
    // The children came from ChildShards: nobody listed the stream after the merge.
    expect(callsOf("ListShards").length).toBe(listingsBefore);
    endpoint.childShards = false;
  });
});
