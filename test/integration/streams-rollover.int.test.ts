import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../dev/dynamodb-local.js";
import { dynamoDbClient, dynamoDbStreamsClient } from "../../services/config/aws-clients.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import {
  type StreamClient,
  StreamReadError,
} from "../../services/streams/retrieval/stream-client.js";
import { journalTable, leasesTable } from "../../services/tables/definitions.js";
import { ensureTables, streamArnOf } from "../../services/tables/provision.js";
import { handledLog, missing, orderViolations } from "../streams-sim/harness.js";
import { writeVersion } from "../streams-sim/journal-writer.js";
import { eventually } from "../support/eventually.js";
import { uniqueSuffix } from "../support/infra.js";

// DynamoDB Local under libfaketime ×500: a 4-hour shard rollover takes ~29 s, a 15-minute
// iterator expiry ~1.8 s. Real SHARD_END hand-over and ExpiredIterator against the emulator.
const libfaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
const available = existsSync(libfaketime);
const onCi = Boolean(process.env.CI);

if (!available && !onCi)
  console.warn(
    `\n!!! SKIPPING the shard rollover / iterator expiry tests: ${libfaketime} is missing.\n!!! Install it with: apt-get install faketime (CI installs it and runs them).\n`,
  );

describe("libfaketime", () => {
  it("is installed wherever CI is set (the rollover tests must run on CI)", () => {
    expect(available || !onCi, `${libfaketime} is missing: .ci/run installs faketime`).toBe(true);
  });
});

const config = {
  failoverMs: 3_000,
  renewIntervalMs: 1_000,
  takeIntervalMs: 500,
  shardSyncIntervalMs: 2_000,
  idlePollMs: 50,
  backoffMs: 100,
  // Read errors back off from backoffMs, doubling up to this cap (default 5 s).
  maxBackoffMs: 1_000,
  parentPollMs: 200,
};
const keys = Array.from({ length: 20 }, (_, i) => `item-${i}`);

describe.runIf(available)("real shard rollover and iterator expiry (DynamoDB Local ×500)", () => {
  let ddb: DynamoDbLocal;
  const workers: StreamWorker[] = [];

  beforeAll(async () => {
    ddb = await startDynamoDbLocal({
      env: { LD_PRELOAD: libfaketime, FAKETIME: "+0 x500", FAKETIME_DONT_RESET: "1" },
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.shutdown()));
    await ddb?.stop();
  });

  const setUp = async (client?: (c: StreamClient) => StreamClient) => {
    const aws = { endpoint: ddb.endpoint, region: "us-east-1" };
    const dynamo = dynamoDbClient(aws);
    const names = await ensureTables(dynamo, `r${uniqueSuffix()}-`, [journalTable, leasesTable]);
    const journal = names.journal ?? "";
    const streamArn = await streamArnOf(dynamo, journal);
    const streams = new DynamoDbStreamClient(dynamoDbStreamsClient(aws));
    const store = new DynamoDbLeaseStore(dynamo, names.leases ?? "");
    return { dynamo, journal, streamArn, streams, store, client: client?.(streams) ?? streams };
  };

  it("hands over at SHARD_END: every record before and after the rollover, in order", {
    timeout: 120_000,
  }, async () => {
    const s = await setUp();
    const { log, processBatch } = handledLog();
    const errors: string[] = [];
    const worker = new StreamWorker({
      workerId: workerId("rollover"),
      streamArn: s.streamArn,
      client: s.client,
      leases: s.store,
      processBatch: processBatch("rollover"),
      config,
      onError: (e, during) => errors.push(`${during}: ${String(e)}`),
      // Expected and handled (a fresh shard's TRIM_HORIZON on DynamoDB Local): not errors.
      onWarning: () => {},
    });
    workers.push(worker);
    await worker.start();

    let v = 0;
    // Keep writing until the emulator has sealed its shard and opened a child, then a bit more.
    while ((await s.streams.listShards(s.streamArn)).length < 2) {
      await writeVersion(s.dynamo, s.journal, keys, ++v);
      await new Promise((r) => setTimeout(r, 500));
      if (v > 200) throw new Error("no shard rollover after 200 writes");
    }
    for (let i = 0; i < 3; i++) await writeVersion(s.dynamo, s.journal, keys, ++v);

    await eventually(async () => (missing(log, keys, v).length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: "records from both sides of the rollover",
    });
    expect(orderViolations(log)).toEqual([]);
    const shards = await s.streams.listShards(s.streamArn);
    const parent = shards.find((sh) => shards.some((c) => c.parentShardId === sh.shardId));
    const child = shards.find((c) => parent && c.parentShardId === parent.shardId);
    expect(parent && child).toBeTruthy();
    const leases = await eventually(
      async () => {
        const all = await s.store.list();
        const p = all.find((l) => l.leaseKey === parent?.shardId);
        const c = all.find((l) => l.leaseKey === child?.shardId);
        return p?.checkpoint === "SHARD_END" && c && /^\d+$/.test(c.checkpoint)
          ? { p, c }
          : undefined;
      },
      { what: "the parent at SHARD_END and the child processing" },
    );
    expect(leases.p.childShardIds).toContain(child?.shardId);
    expect(leases.p.leaseOwner).toBeUndefined();
    expect(leases.c.parentShardIds).toEqual([parent?.shardId]);
    // DynamoDB Local's TrimmedDataAccess at TRIM_HORIZON of a fresh shard is a warning now.
    expect(errors).toEqual([]);
  });

  it("reopens an expired iterator after the last processed record: nothing lost, nothing twice", {
    timeout: 60_000,
  }, async () => {
    let expired = 0;
    const s = await setUp((c) => ({
      listShards: (arn) => c.listShards(arn),
      getShardIterator: (arn, shard, position) => c.getShardIterator(arn, shard, position),
      getRecords: (it, limit) =>
        c.getRecords(it, limit).catch((e: unknown) => {
          if (e instanceof StreamReadError && e.kind === "ExpiredIterator") expired++;
          throw e;
        }),
    }));
    const { log, processBatch } = handledLog();
    // Idle polls 2.5 s apart: longer than an iterator lives at ×500 (~1.8 s).
    const worker = new StreamWorker({
      workerId: workerId("expiry"),
      streamArn: s.streamArn,
      client: s.client,
      leases: s.store,
      processBatch: processBatch("expiry"),
      config: { ...config, idlePollMs: 2_500 },
    });
    workers.push(worker);
    await worker.start();
    await writeVersion(s.dynamo, s.journal, keys, 1);
    await eventually(async () => (missing(log, keys, 1).length === 0 ? true : undefined), {
      what: "the first records",
    });
    await eventually(async () => (expired > 0 ? true : undefined), {
      what: "an iterator to expire",
    });
    await writeVersion(s.dynamo, s.journal, keys, 2);
    await eventually(async () => (missing(log, keys, 2).length === 0 ? true : undefined), {
      what: "the records after the expiry",
    });
    expect(orderViolations(log)).toEqual([]);
    expect(log).toHaveLength(keys.length * 2);
  });
});
