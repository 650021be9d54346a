import { afterEach, describe, expect, it } from "vitest";
import { snsClient } from "../../services/config/aws-clients.js";
import { journalPut } from "../../services/event-store/journal.js";
import {
  createIntegrationPublisher,
  EVENTS_LOST,
} from "../../services/integration-publisher/integration-publisher.js";
import type { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { createHeartbeat } from "../../services/streams/health/heartbeat.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { publisherLeasesTable, publisherParkedTable } from "../../services/tables/definitions.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { registered, renamed, stored } from "../support/events.js";
import { eventually } from "../support/eventually.js";
import { createTestTables, type TestTables, tableName } from "../support/infra.js";
import { memoryLogger } from "../support/memory-logger.js";
import { type SnsEndpoint, startSnsEndpoint } from "../support/sns-endpoint.js";

// The integration publisher meeting records trimmed from the stream before it published them,
// on the simulated stream (which trims and expires shards on demand; the real emulator's trim is
// covered by streams-trimmed-checkpoint.int.test.ts), with its real lease and parked tables in
// DynamoDB Local and the simulated SNS endpoint.

const TOPIC = "arn:aws:sns:us-east-1:000000000000:item-events.fifo";
const ITEM = "0193c0de-aaaa-7000-8000-00000000feed";
const config = { failoverMs: 1_500, idlePollMs: 20, backoffMs: 20, takeIntervalMs: 200 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Version `v` of the one item as the journal's stream carries it. */
const put = (stream: SimulatedStream, v: number) =>
  stream.put(
    ITEM,
    v,
    journalPut("journal", stored(v, v === 1 ? registered(ITEM) : renamed(`Name ${v}`), ITEM)).Put
      ?.Item,
  );

const versionsOf = (sns: SnsEndpoint): number[] =>
  sns.delivered.map((e) => Number((JSON.parse(e.body) as { itemVersion: string }).itemVersion));

const scenario = async (name: string) => {
  const stream = new SimulatedStream(`arn:sim:publisher-trim/${name}`, 1);
  const tables: TestTables = await createTestTables([publisherLeasesTable, publisherParkedTable]);
  const sns = await startSnsEndpoint();
  cleanups.push(
    () => tables.drop(),
    () => sns.close(),
  );
  /** A started publisher worker with what it reports. */
  const publisher = async (id: string) => {
    const trimmed: string[] = [];
    const progress: string[] = [];
    const { logger, lines } = memoryLogger("integration-publisher");
    const heartbeat = createHeartbeat();
    const worker: StreamWorker = createIntegrationPublisher({
      workerId: workerId(`${name}-${id}`),
      client: stream,
      streamArn: stream.streamArn,
      dynamo: tables.client,
      tables: {
        leases: tableName(tables, publisherLeasesTable.logicalName),
        parked: tableName(tables, publisherParkedTable.logicalName),
      },
      sns: snsClient({ endpoint: sns.url, region: "us-east-1" }),
      topicArn: TOPIC,
      logger,
      metrics: { ...noMetrics, trimmed: (shard, cp) => void trimmed.push(`${shard}@${cp}`) },
      heartbeat: {
        ...heartbeat,
        shardProgress: (shardId) => {
          progress.push(shardId);
          heartbeat.shardProgress(shardId);
        },
      },
      config,
    });
    await worker.start();
    cleanups.push(() => worker.shutdown());
    return { worker, trimmed, progress, lines, heartbeat };
  };
  return { stream, sns, publisher };
};

describe("integration publisher and records trimmed before it published them", () => {
  it("reports the loss (error log, TrimmedDataDetected), goes on from the oldest record left and keeps its shard moving", async () => {
    const { stream, sns, publisher } = await scenario("trim");
    const [shardId = ""] = stream.openShardIds();
    for (let v = 1; v <= 9; v++) put(stream, v);
    // Where the first worker checkpoints once it published everything.
    const checkpoint = put(stream, 10);
    const first = await publisher("a");
    await eventually(async () => (sns.delivered.length === 10 ? true : undefined), {
      what: "versions 1-10 published",
    });
    await first.worker.shutdown();
    // Down for more than a day: 11-15 are trimmed before anyone published them.
    for (let v = 11; v <= 20; v++) put(stream, v);
    stream.trim(shardId, 15);

    const second = await publisher("b");
    await eventually(async () => (sns.delivered.length === 15 ? true : undefined), {
      what: "versions 16-20 published",
    });
    expect(versionsOf(sns)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18, 19, 20]);
    expect(second.trimmed).toEqual([`${shardId}@${checkpoint}`]);
    expect(
      second.lines.filter((l) => l.level === "error" && String(l.msg).includes(EVENTS_LOST)),
    ).toEqual([expect.objectContaining({ shardId, checkpoint })]);

    // Not stopped in TRIMMED: the shard keeps reading (progress for /healthz) and publishing.
    expect(second.worker.status()).toEqual([{ shardId, state: "PROCESSING" }]);
    const beats = second.progress.length;
    put(stream, 21);
    await eventually(async () => (sns.delivered.length === 16 ? true : undefined), {
      what: "version 21 published",
    });
    expect(versionsOf(sns).at(-1)).toBe(21);
    expect(second.progress.length).toBeGreaterThan(beats);
    expect(second.heartbeat.unreadShards()).toEqual([]);
    expect(second.trimmed).toHaveLength(1);
  });

  it("a shard gone from the stream before it was published: reports it and hands over to its children", async () => {
    const { stream, sns, publisher } = await scenario("expired");
    const [parent = ""] = stream.openShardIds();
    for (let v = 1; v <= 5; v++) put(stream, v);
    const first = await publisher("a");
    await eventually(async () => (sns.delivered.length === 5 ? true : undefined), {
      what: "versions 1-5 published",
    });
    await first.worker.shutdown();
    for (let v = 6; v <= 8; v++) put(stream, v);
    stream.split(parent);
    for (let v = 9; v <= 10; v++) put(stream, v);
    // 24 h after it closed, the parent leaves the stream with 6-8 unpublished.
    stream.expire(parent);

    const second = await publisher("b");
    await eventually(async () => (sns.delivered.length === 7 ? true : undefined), {
      what: "versions 9-10 published from the child shard",
    });
    expect(versionsOf(sns)).toEqual([1, 2, 3, 4, 5, 9, 10]);
    expect(second.trimmed.map((t) => t.split("@")[0])).toEqual([parent]);
    expect(
      second.lines.filter((l) => l.level === "error" && String(l.msg).includes(EVENTS_LOST)),
    ).toEqual([expect.objectContaining({ shardId: parent, reason: "ShardExpired" })]);
  });
});
