import { describe, expect, it } from "vitest";
import type { Clock } from "../../services/clock/clock.js";
import { silentLogger } from "../../services/logging/logger.js";
import {
  type ConsumerConfig,
  resolveConsumerConfig,
} from "../../services/streams/coordinator/config.js";
import type { HeldLease } from "../../services/streams/leases/held-lease.js";
import { type Lease, newLease } from "../../services/streams/leases/lease.js";
import { ShardConsumer } from "../../services/streams/lifecycle/shard-consumer.js";
import {
  type ConsumerMetrics,
  noMetrics,
} from "../../services/streams/metrics/consumer-metrics.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import { StreamReadError } from "../../services/streams/retrieval/stream-client.js";
import type {
  NeedsRebuild,
  NeedsRebuildStore,
} from "../../services/streams/trimmed/needs-rebuild.js";
import type { TrimmedDataPolicy } from "../../services/streams/trimmed/trimmed-data-policy.js";
import { createTrimmedStreamPolicy } from "../../services/streams/trimmed/trimmed-stream-policy.js";
import { FaultyStream } from "../streams-sim/faulty-stream.js";
import { keyOf } from "../streams-sim/harness.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { testCoordinator } from "../streams-sim/lease-coordinator.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { FakeClock, yieldingClock } from "../support/fake-clock.js";

// One shard consumer on the simulated stream behind a fault injector, with the in-memory lease
// table. `yieldingClock` lets every sleep pass at once (order only); the fake clock, stepped by
// the test, records every sleep's length for the backoff tests.

interface Options {
  readonly clock?: Clock;
  readonly config?: Partial<ConsumerConfig>;
  readonly trimmedPolicy?: TrimmedDataPolicy;
  readonly metrics?: Partial<ConsumerMetrics>;
}

const setUp = async (stream: SimulatedStream, lease: Lease, options: Options = {}) => {
  const clock = options.clock ?? yieldingClock;
  const store = new InMemoryLeaseStore();
  store.leases.set(lease.leaseKey, lease);
  const held: HeldLease[] = [];
  const coordinator = testCoordinator({
    store,
    clock,
    policy: { failoverMs: 1_000_000, maxLeasesToStealAtOnce: 1, veryOldFactor: 3 },
    onTaken: (h) => held.push(h),
    onError: (e) => {
      throw e;
    },
  });
  await coordinator.takeCycle();
  const client = new FaultyStream(stream);
  const errors: string[] = [];
  const warnings: string[] = [];
  const progress: number[] = [];
  const handled: number[] = [];
  const shutdown = new AbortController();
  const consumer = (processBatch?: ProcessBatch) =>
    new ShardConsumer(held[0] as HeldLease, shutdown.signal, {
      streamArn: stream.streamArn,
      client,
      store,
      leases: coordinator,
      processBatch:
        processBatch ??
        (async ({ records }) => {
          for (const r of records) handled.push(keyOf(r).version);
          return { checkpointUpTo: records.at(-1)?.sequenceNumber };
        }),
      clock,
      metrics: { ...noMetrics, ...options.metrics },
      config: resolveConsumerConfig({ backoffMs: 500, maxBackoffMs: 4_000, ...options.config }),
      ...(options.trimmedPolicy ? { trimmedPolicy: options.trimmedPolicy } : {}),
      onError: (e, during) => errors.push(`${during}: ${String(e)}`),
      onWarning: (e, during) => warnings.push(`${during}: ${String(e)}`),
      onProgress: () => progress.push(clock.now()),
      onFinished: () => {},
      random: () => 0.5,
    });
  return { store, client, consumer, errors, warnings, progress, handled, shutdown };
};

/** A closed shard holding versions 1..n of one key: reading it to the end means SHARD_END. */
const closedShard = (name: string, n: number) => {
  const stream = new SimulatedStream(`arn:sim:unit/${name}`, 1);
  const [shard = ""] = stream.openShardIds();
  const sequenceNumbers = Array.from({ length: n }, (_, i) => stream.put("k", i + 1));
  stream.split(shard);
  return { stream, shard, sequenceNumbers };
};

const inMemoryNeedsRebuild = (failures = 0) => {
  const marks: NeedsRebuild[] = [];
  let left = failures;
  return {
    marks,
    store: {
      mark: async (m: NeedsRebuild) => {
        if (left-- > 0) throw new Error("PutItem: network down");
        marks.push(m);
      },
      list: async () => marks,
      clear: async () => {},
    },
  };
};

const notFound = () => new StreamReadError("ResourceNotFound", "Requested resource not found");
const trimmedError = () => new StreamReadError("TrimmedDataAccess", "trimmed");

/** Resolves once the code under test sleeps, or `stop` says it has gone on long enough. */
const sleepingOr = async (clock: FakeClock, stop: () => boolean) => {
  while (clock.pendingSleeps === 0 && !stop()) await new Promise((r) => setImmediate(r));
};

/** Lets the consumer take `count` sleeps, each run to its end; returns their lengths. */
const sleepThrough = async (clock: FakeClock, count: number, stop: () => boolean) => {
  const from = clock.slept.length;
  for (let i = 0; i < count && !stop(); i++) {
    await sleepingOr(clock, stop);
    await clock.advance(clock.slept.at(-1) ?? 0);
  }
  return clock.slept.slice(from);
};

/** The trimmed-stream policy over a simulated stream, marking needs-rebuild in `store`. */
const trimmedPolicyOn = (stream: SimulatedStream, store: NeedsRebuildStore) =>
  createTrimmedStreamPolicy({
    client: stream,
    streamArn: stream.streamArn,
    needsRebuild: store,
    logger: silentLogger,
  });

describe("shard consumer: no lease without a reader", () => {
  it("reads to the end after ResourceNotFound followed by a failed DescribeStream", async () => {
    const { stream, shard } = closedShard("rnf", 3);
    const s = await setUp(stream, newLease(shard, [], "TRIM_HORIZON"));
    s.client.failNext("getRecords", notFound());
    s.client.failNext("listShards", new Error("DescribeStream: socket hang up"));

    expect(await s.consumer().run()).toBe("FINISHED");
    expect(s.handled).toEqual([1, 2, 3]);
    expect(s.store.leases.get(shard)).toMatchObject({ checkpoint: "SHARD_END" });
    expect(s.store.leases.get(shard)?.leaseOwner).toBeUndefined();
  });

  it("reads to the end after TrimmedDataAccess followed by a failed needs-rebuild write", async () => {
    const { stream, shard, sequenceNumbers } = closedShard("trim-marker", 10);
    const needsRebuild = inMemoryNeedsRebuild(1);
    const policy = trimmedPolicyOn(stream, needsRebuild.store);
    const s = await setUp(stream, newLease(shard, [], sequenceNumbers[0] ?? ""), {
      trimmedPolicy: policy,
      config: { batchSize: 2 },
    });
    let batches = 0;
    const run = s.consumer(async ({ records }) => {
      for (const r of records) s.handled.push(keyOf(r).version);
      // Retention drops versions 1..6 while the first batch (2, 3) is processed.
      if (++batches === 1) stream.trim(shard, 6);
      return { checkpointUpTo: records.at(-1)?.sequenceNumber };
    });

    expect(await run.run()).toBe("FINISHED");
    expect(s.handled).toEqual([2, 3, 7, 8, 9, 10]);
    expect(needsRebuild.marks).toEqual([
      expect.objectContaining({ shardId: shard, reason: "TrimmedDataAccess" }),
    ]);
  });
});

describe("shard consumer: no hot loops", () => {
  it("backs off, capped and jittered, on TrimmedDataAccess at TRIM_HORIZON", async () => {
    const { stream, shard } = closedShard("hot-trim", 3);
    const clock = new FakeClock();
    const retried: string[] = [];
    const s = await setUp(stream, newLease(shard, [], "TRIM_HORIZON"), {
      clock,
      metrics: { readRetried: (_s, kind) => retried.push(kind) },
    });
    s.client.failAlways("getRecords", trimmedError);
    const run = s.consumer().run();
    const tooMany = () => s.client.calls.getRecords > 50;

    await sleepingOr(clock, tooMany);
    expect(s.client.calls.getRecords).toBe(1);
    await sleepThrough(clock, 5, tooMany);
    await sleepingOr(clock, tooMany);
    // Full jitter at 0.5 of min(4000, 500 × 2^(n−1)).
    expect(clock.slept).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    expect(s.client.calls.getRecords).toBe(6);
    expect(new Set(retried)).toEqual(new Set(["TrimmedAtTrimHorizon"]));
    // Expected and handled (DynamoDB Local at every start): a warning per retry, never an error.
    expect(s.errors).toEqual([]);
    expect(s.warnings).toHaveLength(6);
    expect(s.warnings[0]).toBe(
      `reading ${shard} from TRIM_HORIZON; reopening there: StreamReadError: trimmed`,
    );

    s.client.heal("getRecords");
    await sleepThrough(clock, 1, () => false);
    expect(await run).toBe("FINISHED");
    expect(s.handled).toEqual([1, 2, 3]);
  });

  it("backs off on a ResourceNotFound that persists while the shard is listed, warns, and escalates it once", async () => {
    const { stream, shard } = closedShard("hot-rnf", 1);
    const clock = new FakeClock();
    const escalated: string[] = [];
    const retried: string[] = [];
    const s = await setUp(stream, newLease(shard, [], "TRIM_HORIZON"), {
      clock,
      config: { notFoundEscalationMs: 10_000 },
      metrics: {
        shardNotFoundEscalated: (id) => escalated.push(id),
        readRetried: (_s, kind) => retried.push(kind),
      },
    });
    s.client.failAlways("getRecords", notFound);
    const run = s.consumer().run();
    const tooMany = () => s.client.calls.listShards > 200;

    // 30 s of fake time: a DescribeStream every 500 ms would be 60 of them.
    while (clock.now() < 30_000 && !tooMany()) await sleepThrough(clock, 1, tooMany);
    expect(s.client.calls.listShards).toBeLessThanOrEqual(20);
    expect(Math.max(...clock.slept)).toBe(2_000);
    expect(new Set(retried)).toEqual(new Set(["ShardNotFound"]));
    expect(escalated).toEqual([shard]);
    // Each retry is a warning; the one escalation is the only error.
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toContain("has answered ResourceNotFound for");
    expect(s.warnings.length).toBeGreaterThan(1);
    // Nothing was read: /healthz sees this shard as silent.
    expect(s.progress.filter((at) => at > 0)).toEqual([]);

    s.shutdown.abort();
    expect(await run).toBe("SHUT_DOWN");
  });

  it("backs off on any other read error that repeats", async () => {
    const { stream, shard } = closedShard("hot-other", 1);
    const clock = new FakeClock();
    const s = await setUp(stream, newLease(shard, [], "TRIM_HORIZON"), { clock });
    s.client.failAlways("getShardIterator", () => new Error("socket hang up"));
    const run = s.consumer().run();
    const tooMany = () => s.client.calls.getShardIterator > 50;
    await sleepThrough(clock, 4, tooMany);
    await sleepingOr(clock, tooMany);
    expect(clock.slept).toEqual([250, 500, 1000, 2000, 2000]);
    s.shutdown.abort();
    expect(await run).toBe("SHUT_DOWN");
  });
});

describe("shard consumer: trimmed-data holes", () => {
  it("probes the start position again after a failed probe", async () => {
    const { stream, shard, sequenceNumbers } = closedShard("probe", 3);
    const probes: Array<string | undefined> = [];
    const policy: TrimmedDataPolicy = {
      startPosition: async (_shard, checkpoint) => {
        probes.push(checkpoint);
        if (probes.length === 1) throw new Error("probe: GetShardIterator failed");
        return { type: "TRIM_HORIZON" };
      },
      onTrimmedDataAccess: async () => "STOP",
      onShardExpired: async () => "STOP",
    };
    const s = await setUp(stream, newLease(shard, [], sequenceNumbers[1] ?? ""), {
      trimmedPolicy: policy,
    });
    expect(await s.consumer().run()).toBe("FINISHED");
    expect(probes).toEqual([sequenceNumbers[1], sequenceNumbers[1]]);
    // The second probe's answer was followed: read again from TRIM_HORIZON.
    expect(s.handled).toEqual([1, 2, 3]);
  });

  it("checks with the probe before a spurious TrimmedDataAccess moves it back to TRIM_HORIZON", async () => {
    const { stream, shard, sequenceNumbers } = closedShard("spurious", 5);
    const needsRebuild = inMemoryNeedsRebuild();
    const policy = trimmedPolicyOn(stream, needsRebuild.store);
    const s = await setUp(stream, newLease(shard, [], sequenceNumbers[1] ?? ""), {
      trimmedPolicy: policy,
    });
    s.client.failNext("getRecords", trimmedError());
    expect(await s.consumer().run()).toBe("FINISHED");
    expect(needsRebuild.marks).toEqual([]);
    expect(s.handled).toEqual([3, 4, 5]);
  });
});
