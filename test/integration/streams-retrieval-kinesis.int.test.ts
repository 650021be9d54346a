import { fileURLToPath } from "node:url";
import { GetRecordsCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Kinesalite, startKinesalite } from "../../dev/kinesalite.js";
import { kinesisClient } from "../../services/config/aws-clients.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { isFinished, workerId } from "../../services/streams/leases/lease.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import { KinesisStreamClient } from "../../services/streams/retrieval/kinesis-stream-client.js";
import {
  type StreamClient,
  StreamReadError,
} from "../../services/streams/retrieval/stream-client.js";
import { leasesTable } from "../../services/tables/definitions.js";
import { keyOf, missing, orderViolations, workerPool } from "../streams-sim/harness.js";
import { eventually } from "../support/eventually.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName, uniqueSuffix } from "../support/infra.js";
import {
  createKinesisStream,
  mergeAdjacent,
  openShards,
  putJournalChanges,
  round,
  splitShard,
} from "../support/kinesis.js";

// The consumer on a real Kinesis emulator (kinesalite): several shards, lease balancing,
// resharding (split and merge) while records flow, and iterator expiry.
const config = {
  failoverMs: 1_500,
  renewIntervalMs: 500,
  takeIntervalMs: 300,
  shardSyncIntervalMs: 500,
  idlePollMs: 40,
  backoffMs: 50,
  // Read errors back off from backoffMs, doubling up to this cap (default 5 s).
  maxBackoffMs: 1_000,
  parentPollMs: 100,
  shutdownGraceMs: 5_000,
};

interface Handled {
  readonly key: string;
  readonly version: number;
  readonly shardId: string;
  readonly by: string;
}

/** A log of every record handled, with its shard, in the order the workers handled them. */
const recorder = () => {
  const log: Handled[] = [];
  const processBatch =
    (by: string): ProcessBatch =>
    async ({ shardId, records }) => {
      for (const r of records) log.push({ ...keyOf(r), shardId, by });
      const last = records.at(-1);
      return last ? { checkpointUpTo: last.sequenceNumber } : {};
    };
  return { log, processBatch };
};

// A loaded 2-core runner (every suite at once) can take minutes for what takes seconds alone.
describe("stream workers on Kinesis (kinesalite)", { timeout: 180_000 }, () => {
  let kinesalite: Kinesalite;
  let kinesis: KinesisClient;
  let tables: TestTables;

  const pool = workerPool({
    config,
    client: () => new KinesisStreamClient(kinesis),
    leases: () => new DynamoDbLeaseStore(tables.client, tableName(tables, "leases")),
  });
  const startWorker = pool.start;

  beforeAll(async () => {
    kinesalite = await startKinesalite();
    kinesis = kinesisClient({ endpoint: kinesalite.endpoint });
  });
  afterAll(async () => {
    await kinesalite?.stop();
  });

  const freshLeases = async () => {
    await pool.stopAll();
    await tables?.drop();
    tables = await createTestTables([leasesTable]);
  };

  it("balances the leases of 8 shards between two workers and reads every shard in order", async () => {
    await freshLeases();
    const name = `balance-${uniqueSuffix()}`;
    const arn = await createKinesisStream(kinesis, name, 8);
    const keys = Array.from({ length: 64 }, (_, i) => `item-${i}`);
    const { log, processBatch } = recorder();
    const a = await startWorker("a", arn, processBatch("a"));
    const b = await startWorker("b", arn, processBatch("b"));
    await eventually(
      async () =>
        a.heldLeaseKeys().length === 4 && b.heldLeaseKeys().length === 4 ? true : undefined,
      { timeoutMs: 60_000, what: "4 leases each" },
    );
    for (let v = 1; v <= 3; v++) await putJournalChanges(kinesis, name, round(keys, v));
    await eventually(async () => (missing(log, keys, 3).length === 0 ? true : undefined), {
      what: "every record",
    });
    expect(new Set(log.map((h) => h.shardId)).size).toBe(8);
    // Each worker read exactly the shards it holds.
    const shardsReadBy = (w: string) =>
      [...new Set(log.filter((h) => h.by === w).map((h) => h.shardId))].sort();
    expect(shardsReadBy("a")).toEqual(a.heldLeaseKeys().sort());
    expect(shardsReadBy("b")).toEqual(b.heldLeaseKeys().sort());
    expect(orderViolations(log)).toEqual([]);
  });

  it("opens an iterator AT_TIMESTAMP: the first record at or after that time", async () => {
    const name = `at-timestamp-${uniqueSuffix()}`;
    const arn = await createKinesisStream(kinesis, name, 1);
    const client = new KinesisStreamClient(kinesis);
    const [shard] = await client.listShards(arn);
    const shardId = shard?.shardId ?? "";
    const keys = ["a", "b"];
    await putJournalChanges(kinesis, name, round(keys, 1));
    const first = await kinesis.send(
      new GetRecordsCommand({
        ShardIterator: await client.getShardIterator(arn, shardId, { type: "TRIM_HORIZON" }),
      }),
    );
    const lastArrival = Math.max(
      ...(first.Records ?? []).map((r) => r.ApproximateArrivalTimestamp?.getTime() ?? 0),
    );
    const after = new Date(lastArrival + 1);
    await eventually(async () => (Date.now() > after.getTime() + 1 ? true : undefined));
    await putJournalChanges(kinesis, name, round(keys, 2));
    const iterator = await client.getShardIterator(arn, shardId, {
      type: "AT_TIMESTAMP",
      timestamp: after,
    });
    const page = await client.getRecords(iterator, 100);
    expect(page.records.map(keyOf)).toEqual([
      { key: "a", version: 2 },
      { key: "b", version: 2 },
    ]);
  });

  it("loses nothing across a split and a merge mid-run, and reads no child before its parents ended", {
    timeout: 180_000,
  }, async () => {
    await freshLeases();
    const name = `reshard-${uniqueSuffix()}`;
    const arn = await createKinesisStream(kinesis, name, 4);
    const keys = Array.from({ length: 100 }, (_, i) => `item-${i}`);
    const { log, processBatch } = recorder();
    await startWorker("a", arn, processBatch("a"));
    await startWorker("b", arn, processBatch("b"));
    let v = 0;
    const writeRounds = async (n: number) => {
      for (let i = 0; i < n; i++) await putJournalChanges(kinesis, name, round(keys, ++v));
    };
    await writeRounds(3);
    const [first] = await openShards(kinesis, name);
    await splitShard(kinesis, name, first?.shardId ?? "");
    await writeRounds(3);
    const merged = await mergeAdjacent(kinesis, name, 2);
    await writeRounds(3);
    await eventually(async () => (missing(log, keys, v).length === 0 ? true : undefined), {
      timeoutMs: 90_000,
      what: "every record",
    });
    expect(orderViolations(log)).toEqual([]);

    // Lineage as listed by the emulator: one shard with two parents (the merge).
    const shards = await new KinesisStreamClient(kinesis).listShards(arn);
    const child = shards.find(
      (s) => s.parentShardId === merged[0] && s.adjacentParentShardId === merged[1],
    );
    expect(child).toBeDefined();
    const parentsOf = new Map<string, string[]>(
      shards.map((s) => [
        s.shardId,
        [s.parentShardId, s.adjacentParentShardId].filter((p): p is string => p !== undefined),
      ]),
    );
    // Every record of a child handled after the last record of each of its parents.
    const lastAt = (shardId: string) => log.findLastIndex((h) => h.shardId === shardId);
    const firstAt = (shardId: string) => log.findIndex((h) => h.shardId === shardId);
    const readChildren = shards.filter((s) => (parentsOf.get(s.shardId) ?? []).length > 0);
    expect(readChildren.length).toBe(3);
    for (const s of readChildren) {
      expect(firstAt(s.shardId), `${s.shardId} read`).toBeGreaterThanOrEqual(0);
      for (const p of parentsOf.get(s.shardId) ?? [])
        expect(firstAt(s.shardId), `${s.shardId} after ${p}`).toBeGreaterThan(lastAt(p));
    }
    const store = new DynamoDbLeaseStore(tables.client, tableName(tables, "leases"));
    const leases = await store.list();
    expect(leases.find((l) => l.leaseKey === child?.shardId)?.parentShardIds).toEqual([...merged]);
    for (const p of merged)
      expect(
        leases.some((l) => l.leaseKey === p && isFinished(l)),
        `${p} finished`,
      ).toBe(true);
  });
});

// A loaded 2-core runner (every suite at once) can take minutes for what takes seconds alone.
describe("iterator expiry on Kinesis (kinesalite's own clock moved past 5 minutes)", {
  timeout: 180_000,
}, () => {
  let kinesalite: Kinesalite;
  let tables: TestTables;
  afterAll(async () => {
    await kinesalite?.stop();
    await tables?.drop();
  });

  it("reopens after the checkpoint when the emulator expires the iterator: nothing lost or repeated", async () => {
    kinesalite = await startKinesalite({
      imports: [fileURLToPath(new URL("../support/shiftable-clock.ts", import.meta.url))],
      env: { CLOCK_SHIFT_MS: "301000" },
    });
    tables = await createTestTables([leasesTable]);
    const kinesis = kinesisClient({ endpoint: kinesalite.endpoint });
    const name = `expiry-${uniqueSuffix()}`;
    const arn = await createKinesisStream(kinesis, name, 1);
    const keys = ["item-1", "item-2"];
    const { log, processBatch } = recorder();
    const real = new KinesisStreamClient(kinesis);
    let expired = 0;
    let reads = 0;
    const client: StreamClient = {
      listShards: (s) => real.listShards(s),
      getShardIterator: (s, id, p) => real.getShardIterator(s, id, p),
      getRecords: (it, limit) => {
        reads++;
        return real.getRecords(it, limit).catch((e: unknown) => {
          if (e instanceof StreamReadError && e.kind === "ExpiredIterator") expired++;
          throw e;
        });
      },
    };
    // Idle polls are slow here so the iterator in hand is old when the clock jumps.
    const worker = new StreamWorker({
      workerId: workerId("x"),
      streamArn: arn,
      client,
      leases: new DynamoDbLeaseStore(tables.client, tableName(tables, "leases")),
      processBatch: processBatch("x"),
      config: { ...config, idlePollMs: 300 },
    });
    await worker.start();
    await putJournalChanges(kinesis, name, round(keys, 1));
    await eventually(async () => (missing(log, keys, 1).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
    });
    const readsBefore = reads;
    // Five minutes and a second later by the emulator's clock. A poll in flight at the jump
    // brings back a fresh iterator, so jump again until the one in hand has expired.
    for (let jumps = 0; expired === 0 && jumps < 20; jumps++) {
      kinesalite.process.kill("SIGUSR2");
      await eventually(async () => (expired > 0 ? true : undefined), {
        timeoutMs: 5_000,
        what: "an expired iterator",
      }).catch(() => undefined);
    }
    expect(expired).toBeGreaterThan(0);
    await putJournalChanges(kinesis, name, round(keys, 2));
    await eventually(async () => (missing(log, keys, 2).length === 0 ? true : undefined), {
      timeoutMs: 60_000,
    });
    await worker.shutdown();
    expect(reads).toBeGreaterThan(readsBefore);
    expect(log.map((h) => `${h.key}#${h.version}`).sort()).toEqual([
      "item-1#1",
      "item-1#2",
      "item-2#1",
      "item-2#2",
    ]);
  });
});
