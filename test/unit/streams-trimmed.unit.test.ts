import { describe, expect, it } from "vitest";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { isInfrastructureError } from "../../services/streams/processing/transient-errors.js";
import type { StreamClient } from "../../services/streams/retrieval/stream-client.js";
import { StreamReadError } from "../../services/streams/retrieval/stream-client.js";
import {
  classifyCheckpoint,
  compareSequenceNumbers,
  createTrimmedStreamPolicy,
} from "../../services/streams/trimmed/trimmed-stream-policy.js";
import { FakeClock } from "../support/fake-clock.js";
import { memoryLogger } from "../support/memory-logger.js";

describe("sequence numbers", () => {
  it("compare as integers, not strings", () => {
    expect(compareSequenceNumbers("900", "1000")).toBe(-1);
    expect(compareSequenceNumbers("000000000000000000017", "17")).toBe(0);
    expect(
      compareSequenceNumbers("49600000000000000000000000002", "49600000000000000000000000001"),
    ).toBe(1);
  });
});

describe("classifyCheckpoint", () => {
  it("is fine while the checkpoint's record is still in the shard", () => {
    expect(classifyCheckpoint("100", { kind: "oldest", sequenceNumber: "100" })).toEqual({
      trimmed: false,
    });
    expect(classifyCheckpoint("100", { kind: "oldest", sequenceNumber: "50" })).toEqual({
      trimmed: false,
    });
  });
  it("flags a checkpoint older than the oldest record", () => {
    expect(classifyCheckpoint("100", { kind: "oldest", sequenceNumber: "101" })).toMatchObject({
      trimmed: true,
      reason: "CheckpointBeforeTrimHorizon",
    });
  });
  it("flags a shard with no record left, a trimmed read and a vanished shard", () => {
    expect(classifyCheckpoint("1", { kind: "empty", closed: true })).toMatchObject({
      trimmed: true,
    });
    const trimmed = new StreamReadError("TrimmedDataAccess", "gone");
    expect(classifyCheckpoint("1", { kind: "unreadable", error: trimmed })).toMatchObject({
      reason: "TrimmedDataAccess",
    });
    const missing = new StreamReadError("ResourceNotFound", "Invalid ShardId");
    expect(classifyCheckpoint("1", { kind: "unreadable", error: missing })).toMatchObject({
      reason: "ShardExpired",
    });
  });
  it("does not guess when the probe saw nothing conclusive", () => {
    expect(classifyCheckpoint("1", { kind: "inconclusive" })).toEqual({ trimmed: false });
  });
});

/** A stream whose one shard now starts at `oldest` (its older records were trimmed). */
const streamStartingAt = (oldest: string): StreamClient => ({
  listShards: async () => [{ shardId: "s1" }],
  getShardIterator: async () => "it",
  getRecords: async () => ({
    records: [{ sequenceNumber: oldest, approximateCreationTime: new Date(0), keys: {} }],
    nextIterator: "it2",
  }),
});

describe("the trimmed-stream policy", () => {
  const setup = (client: StreamClient) => {
    const marks: unknown[] = [];
    const trimmed: string[] = [];
    const { logger, lines: logs } = memoryLogger();
    const policy = createTrimmedStreamPolicy({
      client,
      streamArn: "arn",
      needsRebuild: {
        mark: async (m) => void marks.push(m),
        list: async () => [],
        clear: async () => {},
      },
      metrics: { ...noMetrics, trimmed: (shardId, cp) => trimmed.push(`${shardId}@${cp}`) },
      logger,
      clock: new FakeClock({ start: Date.parse("2026-11-29T00:00:00Z") }),
    });
    return { policy, marks, trimmed, logs };
  };

  it("continues after a checkpoint that is still in the stream, reporting nothing", async () => {
    const { policy, marks, trimmed, logs } = setup(streamStartingAt("5"));
    expect(await policy.startPosition("s1", "7")).toEqual({
      type: "AFTER_SEQUENCE_NUMBER",
      sequenceNumber: "7",
    });
    expect([marks, trimmed, logs]).toEqual([[], [], []]);
  });

  it("reports a trimmed checkpoint (log, metric, marker) before resuming at TRIM_HORIZON", async () => {
    const { policy, marks, trimmed, logs } = setup(streamStartingAt("9"));
    expect(await policy.startPosition("s1", "7")).toEqual({ type: "TRIM_HORIZON" });
    expect(trimmed).toEqual(["s1@7"]);
    expect(logs).toEqual([
      expect.objectContaining({ level: "error", shardId: "s1", checkpoint: "7" }),
    ]);
    expect(marks).toEqual([
      {
        shardId: "s1",
        checkpoint: "7",
        reason: "CheckpointBeforeTrimHorizon",
        detectedAt: new Date("2026-11-29T00:00:00Z"),
      },
    ]);
  });

  it("probes again with a fresh iterator when one expires under the probe", async () => {
    let reads = 0;
    const expiring = streamStartingAt("9");
    const { policy, trimmed } = setup({
      ...expiring,
      getRecords: async (iterator, limit) => {
        reads += 1;
        if (reads <= 2) throw new StreamReadError("ExpiredIterator", "Iterator expired");
        return expiring.getRecords(iterator, limit);
      },
    });
    expect(await policy.startPosition("s1", "7")).toEqual({ type: "TRIM_HORIZON" });
    expect([reads, trimmed]).toEqual([3, ["s1@7"]]);
  });

  it("gives up on a probe whose iterators keep expiring, deciding nothing", async () => {
    const { policy, marks } = setup({
      ...streamStartingAt("9"),
      getRecords: async () => {
        throw new StreamReadError("ExpiredIterator", "Iterator expired");
      },
    });
    await expect(policy.startPosition("s1", "7")).rejects.toThrow("Iterator expired");
    expect(marks).toEqual([]);
  });

  it("starts a shard without a checkpoint at TRIM_HORIZON without probing", async () => {
    const { policy } = setup({
      listShards: async () => [],
      getShardIterator: async () => {
        throw new Error("must not probe");
      },
      getRecords: async () => ({ records: [] }),
    });
    expect(await policy.startPosition("s1", undefined)).toEqual({ type: "TRIM_HORIZON" });
    expect(await policy.startPosition("s1", "TRIM_HORIZON")).toEqual({ type: "TRIM_HORIZON" });
  });

  it("reports TrimmedDataAccess thrown by a read once the probe confirms the gap", async () => {
    const { policy, marks } = setup(streamStartingAt("9"));
    expect(await policy.onTrimmedDataAccess("s1", "3", new Error("trimmed"))).toEqual({
      type: "TRIM_HORIZON",
    });
    expect(marks).toEqual([expect.objectContaining({ reason: "TrimmedDataAccess" })]);
  });

  it("reports one gap once: the probe at open and the read after it may both meet it", async () => {
    const { policy, marks, trimmed, logs } = setup(streamStartingAt("9"));
    await policy.startPosition("s1", "7");
    await policy.onTrimmedDataAccess("s1", "7", new Error("trimmed"));
    await policy.onShardExpired("s1", "7");
    expect([marks.length, trimmed, logs.length]).toEqual([1, ["s1@7"], 1]);
    // Another gap of the shard (a later checkpoint) is a finding of its own.
    await policy.startPosition("s1", "8");
    expect(trimmed).toEqual(["s1@7", "s1@8"]);
  });

  it("without a needs-rebuild store (the publisher: nothing to rebuild), says the consequence it is given", async () => {
    const trimmed: string[] = [];
    const { logger, lines } = memoryLogger();
    const policy = createTrimmedStreamPolicy({
      client: streamStartingAt("9"),
      streamArn: "arn",
      consequence: "their events are lost",
      metrics: { ...noMetrics, trimmed: (shardId, cp) => trimmed.push(`${shardId}@${cp}`) },
      logger,
    });
    expect(await policy.startPosition("s1", "7")).toEqual({ type: "TRIM_HORIZON" });
    expect(trimmed).toEqual(["s1@7"]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "stream records were trimmed before they were processed; their events are lost",
        policy: "continuing from TRIM_HORIZON",
      }),
    ]);
  });

  it("retries after the checkpoint, reporting nothing, when the probe finds its records still there", async () => {
    const { policy, marks, trimmed } = setup(streamStartingAt("1"));
    expect(await policy.onTrimmedDataAccess("s1", "3", new Error("trimmed"))).toBe("RETRY");
    expect([marks, trimmed]).toEqual([[], []]);
  });
});

describe("isInfrastructureError", () => {
  it("recognises network and Postgres availability faults, also wrapped", () => {
    expect(isInfrastructureError(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe(
      true,
    );
    expect(
      isInfrastructureError({ name: "QueryFailedError", driverError: { code: "57P01" } }),
    ).toBe(true);
    expect(isInfrastructureError(new Error("wrapped", { cause: { code: "08006" } }))).toBe(true);
  });
  it("recognises AWS SDK server faults, retryable errors and timeouts, also wrapped", () => {
    const serverFault = { name: "InternalServerError", $fault: "server", message: "500" };
    expect(isInfrastructureError(serverFault)).toBe(true);
    expect(isInfrastructureError({ name: "SomeNewFault", $fault: "server" })).toBe(true);
    expect(isInfrastructureError({ name: "RequestLimitExceeded", $fault: "client" })).toBe(true);
    expect(isInfrastructureError({ name: "ServiceUnavailable" })).toBe(true);
    expect(isInfrastructureError({ name: "X", $fault: "client", $retryable: {} })).toBe(true);
    expect(isInfrastructureError({ name: "TimeoutError", message: "timed out" })).toBe(true);
    expect(isInfrastructureError(new Error("wrapped", { cause: serverFault }))).toBe(true);
    expect(
      isInfrastructureError({ name: "ValidationException", $fault: "client", message: "bad" }),
    ).toBe(false);
  });
  it("recognises a connection node-postgres lost mid-query (no code, message only)", () => {
    const lost = { name: "QueryFailedError", message: "Connection terminated unexpectedly" };
    expect(isInfrastructureError(lost)).toBe(true);
    expect(isInfrastructureError(new Error("wrapped", { cause: lost }))).toBe(true);
    expect(isInfrastructureError(new Error("duplicate key value violates unique constraint"))).toBe(
      false,
    );
  });
  it("does not excuse bugs and bad data", () => {
    expect(isInfrastructureError(new TypeError("undefined is not a function"))).toBe(false);
    expect(
      isInfrastructureError({ name: "QueryFailedError", driverError: { code: "23505" } }),
    ).toBe(false);
  });
});
