import { existsSync } from "node:fs";
import { Agent } from "node:http";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../dev/dynamodb-local.js";
import {
  EVENTS_LOST,
  publisherTrimmedPolicy,
} from "../../services/integration-publisher/integration-publisher.js";
import { DynamoDbNeedsRebuildStore } from "../../services/read-model/needs-rebuild-store.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { createTrimmedStreamPolicy } from "../../services/streams/trimmed/trimmed-stream-policy.js";
import { journalTable, parkedTable } from "../../services/tables/definitions.js";
import { ensureTables, streamArnOf } from "../../services/tables/provision.js";
import { eventually } from "../support/eventually.js";
import { memoryLogger } from "../support/memory-logger.js";

// DynamoDB Local under libfaketime ×2000: its 24 h stream retention passes in about 45 s.
const FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
const SPEED = 2000;
const haveFaketime = existsSync(FAKETIME_LIB);
if (!haveFaketime) {
  const msg = `trimmed-stream test needs libfaketime (${FAKETIME_LIB}): apt-get install -y faketime`;
  if (process.env.CI) throw new Error(msg);
  console.warn(`\n!!! SKIPPING ${msg} !!!\n`);
}

const clients = (endpoint: string) => {
  // No keep-alive: the emulator's idle timeouts run 2000 times faster than ours.
  const common = {
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestHandler: { httpAgent: new Agent({ keepAlive: false }) },
    maxAttempts: 5,
  };
  return { dynamo: new DynamoDBClient(common), streams: new DynamoDBStreamsClient(common) };
};

describe.skipIf(!haveFaketime)("a checkpoint older than the stream's oldest record", () => {
  let local: DynamoDbLocal;
  beforeAll(async () => {
    local = await startDynamoDbLocal({
      env: { LD_PRELOAD: FAKETIME_LIB, FAKETIME: `+0 x${SPEED}`, FAKETIME_DONT_RESET: "1" },
    });
  });
  afterAll(async () => {
    await local?.stop();
  });

  it("is detected and reported (error log, metric, needs-rebuild marker; the publisher: events lost), never skipped", async () => {
    const { dynamo, streams } = clients(local.endpoint);
    const names = await ensureTables(dynamo, "trim-", [journalTable, parkedTable]);
    const journal = names.journal as string;
    for (const n of [1, 2, 3])
      await dynamo.send(
        new PutItemCommand({
          TableName: journal,
          Item: { aggregateId: { S: "item-1" }, sequenceNumber: { N: String(n) } },
        }),
      );
    const streamArn = await streamArnOf(dynamo, journal);
    const client = new DynamoDbStreamClient(streams);
    const [shard] = await client.listShards(streamArn);
    if (!shard) throw new Error("the stream has no shard");
    const page = await client.getRecords(
      await client.getShardIterator(streamArn, shard.shardId, { type: "TRIM_HORIZON" }),
      10,
    );
    expect(page.records).toHaveLength(3);
    // The consumer processed the first record, then stopped for more than a (fake) day.
    const checkpoint = page.records[0]?.sequenceNumber as string;

    const trimmedCalls: Array<[string, string]> = [];
    const { logger, lines: logs } = memoryLogger();
    const needsRebuild = new DynamoDbNeedsRebuildStore(dynamo, names.parked as string);
    const policy = createTrimmedStreamPolicy({
      client,
      streamArn,
      needsRebuild,
      logger,
      metrics: { ...noMetrics, trimmed: (shardId, cp) => trimmedCalls.push([shardId, cp]) },
    });

    // Fresh: the checkpoint is inside the stream, reading continues after it.
    expect(await policy.startPosition(shard.shardId, checkpoint)).toEqual({
      type: "AFTER_SEQUENCE_NUMBER",
      sequenceNumber: checkpoint,
    });
    expect(trimmedCalls).toEqual([]);

    const finding = await eventually(
      async () => {
        const f = await policy.detect(shard.shardId, checkpoint);
        return f.trimmed ? f : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 1000, what: "the emulator to trim the stream" },
    );
    // Which signal the emulator gives first depends on timing; each one is a finding.
    expect(["CheckpointBeforeTrimHorizon", "TrimmedDataAccess", "ShardExpired"]).toContain(
      finding.reason,
    );

    // A probe that fails (an iterator expiring under the accelerated clock on a loaded machine)
    // reports nothing and is retried, as the shard consumer does.
    const resume = (p: Pick<typeof policy, "startPosition">) =>
      eventually(() => p.startPosition(shard.shardId, checkpoint), {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: "a start position",
      });
    expect(await resume(policy)).toEqual({ type: "TRIM_HORIZON" });
    expect(trimmedCalls).toEqual([[shard.shardId, checkpoint]]);
    expect(logs).toEqual([
      expect.objectContaining({ level: "error", shardId: shard.shardId, checkpoint }),
    ]);
    expect(await needsRebuild.list()).toEqual([
      expect.objectContaining({ shardId: shard.shardId, checkpoint }),
    ]);

    // The integration publisher, at the same checkpoint: nothing rebuilds SNS history, so it
    // says the events are lost (log, metric) and goes on from TRIM_HORIZON, marking nothing.
    const published = memoryLogger();
    const publisherTrimmed: string[] = [];
    const publisher = publisherTrimmedPolicy({
      client,
      streamArn,
      logger: published.logger,
      metrics: { ...noMetrics, trimmed: (shardId, cp) => void publisherTrimmed.push(shardId + cp) },
    });
    expect(await resume(publisher)).toEqual({ type: "TRIM_HORIZON" });
    expect(publisherTrimmed).toEqual([shard.shardId + checkpoint]);
    expect(published.lines).toEqual([
      expect.objectContaining({
        level: "error",
        shardId: shard.shardId,
        checkpoint,
        msg: expect.stringContaining(EVENTS_LOST),
      }),
    ]);
    expect(await needsRebuild.list()).toHaveLength(1);
  }, 240_000);
});
