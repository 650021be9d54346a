import { DynamoDBStreamsClient, type Shard } from "@aws-sdk/client-dynamodb-streams";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dynamoDbStreamsClient } from "../../services/config/aws-clients.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { type Lease, newLease, parentsFinished } from "../../services/streams/leases/lease.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import {
  type ShardDescription,
  StreamReadError,
} from "../../services/streams/retrieval/stream-client.js";
import { leasesToCreate, lineage } from "../../services/streams/shards/lineage.js";
import { syncShards } from "../../services/streams/shards/shard-syncer.js";
import { leasesTable } from "../../services/tables/definitions.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName } from "../support/infra.js";
import {
  type DescribeStreamEndpoint,
  startDescribeStreamEndpoint,
} from "../support/streams-endpoint.js";

/*
 * Shard discovery over more than one DescribeStream page. DynamoDB Local has one shard per
 * stream, so the listing comes from a simulated endpoint (test/support/streams-endpoint.ts)
 * speaking the DynamoDB Streams JSON protocol; the real AWS SDK client and our
 * DynamoDbStreamClient run against it unchanged, and the leases land in DynamoDB Local.
 */

const STREAM_ARN =
  "arn:aws:dynamodb:us-east-1:000000000000:table/journal/stream/2026-11-29T00:00:00.000";
const CHAINS = 25;
const HOURS_4 = 14_400_000;

const shardId = (generation: number, chain: number, branch: number): string =>
  `shardId-${String(1_764_000_000_000 + generation * HOURS_4 + chain * 10 + branch).padStart(20, "0")}-${(chain * 16 + branch).toString(16).padStart(8, "0")}`;

const sequenceNumber = (generation: number, chain: number, branch: number, offset = 0n): string =>
  (
    10n ** 20n +
    BigInt(generation) * 10n ** 18n +
    BigInt(chain * 10 + branch) * 10n ** 6n +
    offset
  ).toString();

const shard = (
  generation: number,
  chain: number,
  branch: number,
  parent: string,
  open = false,
): Shard => ({
  ShardId: shardId(generation, chain, branch),
  ParentShardId: parent,
  SequenceNumberRange: {
    StartingSequenceNumber: sequenceNumber(generation, chain, branch),
    ...(open ? {} : { EndingSequenceNumber: sequenceNumber(generation, chain, branch, 999_999n) }),
  },
});

/**
 * 25 lineages of 10 shards each, listed oldest generation first as the service does: a root
 * whose parent was trimmed away, its rollover child, a split into two, two more generations of
 * rollovers, and open leaves. In even lineages the second branch's last closed shard is still
 * shown open although its child exists (DynamoDB Streams does this for a while).
 */
const streamWithLineage = (): Shard[] => {
  const generations: Shard[][] = [[], [], [], [], [], []];
  const add = (g: number, s: Shard) => generations[g]?.push(s);
  for (let c = 0; c < CHAINS; c++) {
    add(0, shard(0, c, 0, shardId(-1, c, 0)));
    add(1, shard(1, c, 0, shardId(0, c, 0)));
    for (const b of [1, 2]) {
      add(2, shard(2, c, b, shardId(1, c, 0)));
      add(3, shard(3, c, b, shardId(2, c, b)));
      add(4, shard(4, c, b, shardId(3, c, b), b === 2 && c % 2 === 0));
      add(5, shard(5, c, b, shardId(4, c, b), true));
    }
  }
  return generations.flat();
};

const described = (s: Shard): ShardDescription => ({
  shardId: s.ShardId as string,
  ...(s.ParentShardId ? { parentShardId: s.ParentShardId } : {}),
  ...(s.SequenceNumberRange?.StartingSequenceNumber
    ? { startingSequenceNumber: s.SequenceNumberRange.StartingSequenceNumber }
    : {}),
  ...(s.SequenceNumberRange?.EndingSequenceNumber
    ? { endingSequenceNumber: s.SequenceNumberRange.EndingSequenceNumber }
    : {}),
});

const idAt = (shards: readonly Shard[], i: number): string => shards[i]?.ShardId as string;

describe("shard discovery: DescribeStream paging through the real SDK", () => {
  const shards = streamWithLineage();
  const expected = shards.map(described);
  let endpoint: DescribeStreamEndpoint;
  let client: DynamoDbStreamClient;

  beforeAll(async () => {
    endpoint = await startDescribeStreamEndpoint(STREAM_ARN, shards);
    // The production client factory: its retry settings are the ones under test.
    client = new DynamoDbStreamClient(dynamoDbStreamsClient({ endpoint: endpoint.url }));
  });
  afterEach(() => {
    endpoint.calls.length = 0;
  });
  afterAll(() => endpoint.close());

  it("lists 250 shards once each, in order, with parents and ending sequence numbers", async () => {
    expect(shards).toHaveLength(250);
    const listed = await client.listShards(STREAM_ARN);

    expect(listed).toEqual(expected);
    expect(new Set(listed.map((s) => s.shardId)).size).toBe(250);
    expect(listed.filter((s) => s.endingSequenceNumber !== undefined)).toHaveLength(187);
  });

  it("asks for each page after the previous page's LastEvaluatedShardId, 100 at most", async () => {
    await client.listShards(STREAM_ARN);

    expect(endpoint.calls.map((c) => c.answer)).toEqual([
      { shards: 100, lastEvaluatedShardId: idAt(shards, 99) },
      { shards: 100, lastEvaluatedShardId: idAt(shards, 199) },
      { shards: 50, lastEvaluatedShardId: undefined },
    ]);
    expect(endpoint.calls.map((c) => c.exclusiveStartShardId)).toEqual([
      undefined,
      idAt(shards, 99),
      idAt(shards, 199),
    ]);
    for (const c of endpoint.calls) {
      expect(c.streamArn).toBe(STREAM_ARN);
      expect(c.limit).toBeLessThanOrEqual(100);
    }
  });

  it("stops at the empty page that follows a full last page", async () => {
    const exact = shards.slice(0, 200);
    const full = await startDescribeStreamEndpoint(STREAM_ARN, exact);
    try {
      const listed = await new DynamoDbStreamClient(
        dynamoDbStreamsClient({ endpoint: full.url }),
      ).listShards(STREAM_ARN);

      expect(listed).toEqual(exact.map(described));
      expect(full.calls.map((c) => c.answer)).toEqual([
        { shards: 100, lastEvaluatedShardId: idAt(shards, 99) },
        { shards: 100, lastEvaluatedShardId: idAt(shards, 199) },
        { shards: 0, lastEvaluatedShardId: undefined },
      ]);
    } finally {
      await full.close();
    }
  });

  it("builds the lineage graph of the whole listing, across page boundaries", async () => {
    const graph = lineage(await client.listShards(STREAM_ARN));

    const byStatus = (status: string) => [...graph.values()].filter((n) => n.status === status);
    expect(byStatus("OPEN")).toHaveLength(50);
    expect(byStatus("CLOSED")).toHaveLength(187);
    // Shown open while its child exists: no new records go to it, it must be read to its end.
    const closing = byStatus("CLOSING");
    expect(closing.map((n) => n.shard.shardId)).toEqual(
      Array.from({ length: 13 }, (_, i) => shardId(4, i * 2, 2)),
    );
    for (const [i, n] of closing.entries()) expect(n.children).toEqual([shardId(5, i * 2, 2)]);
    for (let c = 0; c < CHAINS; c++) {
      // The split: generation 1 (page 1) has both its children on page 1; generation 2's
      // children sit on page 2, and generation 4's on page 3.
      expect(graph.get(shardId(1, c, 0))?.children).toEqual([shardId(2, c, 1), shardId(2, c, 2)]);
      expect(graph.get(shardId(2, c, 1))?.children).toEqual([shardId(3, c, 1)]);
      expect(graph.get(shardId(4, c, 2))?.children).toEqual([shardId(5, c, 2)]);
    }
  });

  it("orders new leases parents first, whatever order the listing came in", async () => {
    const listed = await client.listShards(STREAM_ARN);
    const leases = leasesToCreate([...listed].reverse(), []);

    expect(leases.map((l) => l.leaseKey).sort()).toEqual(listed.map((s) => s.shardId).sort());
    const position = new Map(leases.map((l, i) => [l.leaseKey, i]));
    for (const [i, lease] of leases.entries()) {
      for (const p of lease.parentShardIds) expect(position.get(p)).toBeLessThan(i);
    }
    // The roots' parents were trimmed from the stream: not recorded, so nothing waits on them.
    const roots = leases.filter((l) => l.parentShardIds.length === 0).map((l) => l.leaseKey);
    expect(roots.sort()).toEqual(Array.from({ length: CHAINS }, (_, c) => shardId(0, c, 0)));
  });
});

describe("shard sync from a paged listing into the DynamoDB Local lease table", () => {
  const shards = streamWithLineage();
  let endpoint: DescribeStreamEndpoint;
  let tables: TestTables;
  let store: DynamoDbLeaseStore;
  let client: DynamoDbStreamClient;

  beforeAll(async () => {
    endpoint = await startDescribeStreamEndpoint(STREAM_ARN, shards);
    tables = await createTestTables([leasesTable]);
    store = new DynamoDbLeaseStore(tables.client, tableName(tables, "leases"));
    client = new DynamoDbStreamClient(dynamoDbStreamsClient({ endpoint: endpoint.url }));
  });
  afterAll(async () => {
    await endpoint.close();
    await tables.drop();
  });

  it("creates one lease per shard, only roots ready, and deletes finished leases gone from the stream", async () => {
    const gone = shardId(-1, 0, 0);
    await store.create(newLease(gone, [], "SHARD_END"));

    const result = await syncShards(client, STREAM_ARN, store);

    expect(endpoint.calls).toHaveLength(3);
    expect(result.shards).toHaveLength(250);
    expect(result.created).toHaveLength(250);
    expect(result.deleted).toEqual([gone]);
    const leases = await store.list();
    const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
    expect(byKey.size).toBe(250);
    for (const s of shards) {
      const lease = byKey.get(s.ShardId as string) as Lease;
      expect(lease.checkpoint).toBe("TRIM_HORIZON");
      // A parent is recorded when listed or still leased (the finished `gone`, deleted after).
      const parentKnown =
        shards.some((p) => p.ShardId === s.ParentShardId) || s.ParentShardId === gone;
      expect(lease.parentShardIds).toEqual(parentKnown ? [s.ParentShardId] : []);
    }
    // A child waits until every parent is at SHARD_END: at first only the roots may start.
    const ready = leases.filter((l) => parentsFinished(l, (k) => byKey.get(k)));
    expect(ready.map((l) => l.leaseKey).sort()).toEqual(
      Array.from({ length: CHAINS }, (_, c) => shardId(0, c, 0)),
    );
  });

  it("is idempotent: a second sync lists every page again and creates nothing", async () => {
    endpoint.calls.length = 0;
    const again = await syncShards(client, STREAM_ARN, store);

    expect(again.created).toEqual([]);
    expect(again.deleted).toEqual([]);
    expect(endpoint.calls).toHaveLength(3);
    expect(await store.list()).toHaveLength(250);
  });
});

describe("shard discovery under throttling", () => {
  const shards = streamWithLineage();
  let endpoint: DescribeStreamEndpoint;

  beforeAll(async () => {
    endpoint = await startDescribeStreamEndpoint(STREAM_ARN, shards);
  });
  afterEach(() => {
    endpoint.calls.length = 0;
  });
  afterAll(() => endpoint.close());

  it.each(["ThrottlingException", "LimitExceededException"])(
    "a page answered once with %s is retried by the SDK from the same shard, listing stays whole",
    async (errorType) => {
      endpoint.fail({ afterShardId: idAt(shards, 99), errorType });
      const client = new DynamoDbStreamClient(dynamoDbStreamsClient({ endpoint: endpoint.url }));

      expect(await client.listShards(STREAM_ARN)).toEqual(shards.map(described));
      expect(endpoint.calls.map((c) => c.exclusiveStartShardId)).toEqual([
        undefined,
        idAt(shards, 99),
        idAt(shards, 99),
        idAt(shards, 199),
      ]);
      expect(endpoint.calls[1]?.answer).toEqual({ error: errorType });
    },
  );

  it.each(["ThrottlingException", "LimitExceededException"])(
    "persistent %s past the SDK's attempts surfaces as StreamReadError Throttled",
    async (errorType) => {
      endpoint.fail({ afterShardId: idAt(shards, 199), errorType, times: 2 });
      // Two attempts keep the test quick; production uses five (services/config/aws-clients.ts).
      const sdk = new DynamoDBStreamsClient({
        endpoint: endpoint.url,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
        maxAttempts: 2,
      });

      const error = await new DynamoDbStreamClient(sdk).listShards(STREAM_ARN).catch((e) => e);

      expect(error).toBeInstanceOf(StreamReadError);
      expect((error as StreamReadError).kind).toBe("Throttled");
      expect(endpoint.calls).toHaveLength(4);
      sdk.destroy();
    },
  );

  it("an unknown stream is ResourceNotFound", async () => {
    const client = new DynamoDbStreamClient(dynamoDbStreamsClient({ endpoint: endpoint.url }));

    const error = await client.listShards(`${STREAM_ARN}-gone`).catch((e) => e);

    expect(error).toBeInstanceOf(StreamReadError);
    expect((error as StreamReadError).kind).toBe("ResourceNotFound");
  });
});
