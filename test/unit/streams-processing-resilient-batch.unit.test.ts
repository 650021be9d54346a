import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../services/logging/logger.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import type { RecordHandler } from "../../services/streams/processing/process-batch.js";
import {
  createResilientProcessBatch,
  type ResilientProcessBatchOptions,
} from "../../services/streams/processing/resilient-process-batch.js";
import type { BatchRetryPolicy } from "../../services/streams/processing/retry-policy.js";
import type { StreamRecord } from "../../services/streams/retrieval/stream-client.js";
import { InMemoryParkingStore } from "../streams-sim/in-memory-parking-store.js";
import { FakeClock } from "../support/fake-clock.js";

const T0 = new Date("2026-01-01T00:00:00Z");

/** Records `a1, b1, a2, …`: sequence numbers 1..n, aggregate from the spec letter. */
const recordsOf = (spec: string, createdAt = T0): StreamRecord[] =>
  spec.split(" ").map((agg, i) => ({
    sequenceNumber: String(i + 1).padStart(21, "0"),
    approximateCreationTime: createdAt,
    keys: { aggregateId: { S: agg }, sequenceNumber: { N: String(i + 1) } },
  }));

const aggregateOf = (r: StreamRecord) => r.keys.aggregateId?.S ?? "";
const seq = (r: StreamRecord) => Number(r.sequenceNumber);

/**
 * A handler whose commit is all-or-nothing: it throws (committing nothing) when the batch holds a
 * poison record, or with `partial` commits the records before it and reports it.
 */
const flakyHandler = (
  poison: (r: StreamRecord) => boolean,
  mode: "throw" | "partial" = "throw",
) => {
  const committed: StreamRecord[] = [];
  const calls: number[][] = [];
  const handler: RecordHandler = async ({ records }) => {
    calls.push(records.map(seq));
    const bad = records.findIndex(poison);
    if (bad === -1) {
      committed.push(...records);
      return undefined;
    }
    if (mode === "throw") throw new Error(`poison ${records[bad]?.sequenceNumber}`);
    committed.push(...records.slice(0, bad));
    return { failedSequenceNumber: (records[bad] as StreamRecord).sequenceNumber };
  };
  return { handler, committed, calls };
};

const setup = (
  handler: RecordHandler,
  policy: Partial<BatchRetryPolicy> = {},
  extra: Partial<ResilientProcessBatchOptions> = {},
) => {
  // Sleeping advances the clock; every wait is recorded in `time.slept`.
  const time = new FakeClock({ start: T0.getTime(), autoAdvance: true });
  const parking = new InMemoryParkingStore();
  const parkedCounts: string[] = [];
  const retries: string[] = [];
  const process = createResilientProcessBatch({
    handler,
    parking,
    keyOf: aggregateOf,
    policy: {
      maxRetries: 2,
      maxRecordAgeMs: -1,
      backoff: { initialMs: 100, maxMs: 30_000, multiplier: 2 },
      ...policy,
    },
    clock: time,
    random: () => 1, // the jitter at its ceiling: waits are the backoff's upper bounds
    logger: silentLogger,
    metrics: {
      ...noMetrics,
      retry: (shardId) => retries.push(shardId),
      parked: (key) => parkedCounts.push(key),
    },
    ...extra,
  });
  return { process, parking, time, parkedCounts, retries };
};

const parkedSeqs = async (parking: InMemoryParkingStore, key: string) =>
  (await parking.parkedOf(key)).records.map((p) => ({ seq: seq(p.record), reason: p.reason }));

describe("a batch with one poison record", () => {
  const records = recordsOf("a b c a b a c b a c");
  const poisonSeq = 4; // the second record of aggregate a

  it("bisects to exactly the poison record, parks it after the retries and the later records of its aggregate behind it", async () => {
    const { handler, committed, calls } = flakyHandler((r) => seq(r) === poisonSeq);
    const { process, parking, time, retries } = setup(handler);

    const result = await process({ shardId: "s1", records });

    expect(result.checkpointUpTo).toBe(records.at(-1)?.sequenceNumber);
    expect(await parkedSeqs(parking, "a")).toEqual([
      { seq: 4, reason: "RetryAttemptsExhausted" },
      { seq: 6, reason: "BehindParkedRecord" },
      { seq: 9, reason: "BehindParkedRecord" },
    ]);
    expect(committed.map(seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 5, 7, 8, 10]);
    // The poison record alone was tried 1 + maxRetries times; splits were not retries.
    expect(calls.filter((c) => c.length === 1 && c[0] === poisonSeq)).toHaveLength(3);
    expect(retries).toEqual(["s1", "s1"]);
    expect(time.slept).toEqual([100, 200]);
    const poison = (await parking.parkedOf("a")).records[0];
    expect(poison).toMatchObject({
      attempts: 3,
      shardId: "s1",
      error: "Error: poison 000000000000000000004",
    });
    expect(poison?.firstFailedAt).toEqual(T0);
  });

  it("keeps every other aggregate in order", async () => {
    const { handler, committed } = flakyHandler((r) => seq(r) === poisonSeq);
    const { process } = setup(handler);
    await process({ shardId: "s1", records });
    for (const agg of ["b", "c"]) {
      const order = committed.filter((r) => aggregateOf(r) === agg).map(seq);
      expect(order).toEqual(records.filter((r) => aggregateOf(r) === agg).map(seq));
    }
  });

  it("without bisection parks the whole failing rest once retries are exhausted", async () => {
    const { handler, committed } = flakyHandler((r) => seq(r) === poisonSeq, "throw");
    const { process, parking } = setup(handler, { bisectOnError: false });
    const result = await process({ shardId: "s1", records: records.slice(0, 4) });
    expect(committed).toEqual([]);
    expect(result.checkpointUpTo).toBe(records[3]?.sequenceNumber);
    expect((await parking.listBlocked()).map((b) => b.aggregateKey).sort()).toEqual([
      "a",
      "b",
      "c",
    ]);
  });
});

describe("partial batch failure", () => {
  it("commits the records before the failed one and checkpoints just before it when stopped", async () => {
    const records = recordsOf("a b c d e");
    const { handler, committed, calls } = flakyHandler((r) => seq(r) === 3, "partial");
    const stop = new AbortController();
    const clock = new FakeClock({ start: T0.getTime() });
    const { process, parking } = setup(handler, {}, { clock });
    const running = process({ shardId: "s1", records, signal: stop.signal });
    await clock.sleeping(); // the consumer stops during the first backoff
    stop.abort();
    const result = await running;
    expect(result.checkpointUpTo).toBe(records[1]?.sequenceNumber);
    expect(committed.map(seq)).toEqual([1, 2]);
    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
    expect(await parking.listBlocked()).toEqual([]);
  });

  it("retries from the failed record and parks it after the retries, continuing after it", async () => {
    const records = recordsOf("a b c d e");
    const { handler, committed, calls } = flakyHandler((r) => seq(r) === 3, "partial");
    const { process, parking } = setup(handler);
    const result = await process({ shardId: "s1", records });
    expect(result.checkpointUpTo).toBe(records[4]?.sequenceNumber);
    expect(calls).toEqual([
      [1, 2, 3, 4, 5],
      [3, 4, 5],
      [3, 4, 5],
      [4, 5],
    ]);
    expect(committed.map(seq)).toEqual([1, 2, 4, 5]);
    expect(await parkedSeqs(parking, "c")).toEqual([{ seq: 3, reason: "RetryAttemptsExhausted" }]);
  });

  it("nothing is checkpointed when the first record fails and the consumer stops", async () => {
    const records = recordsOf("a b");
    const { handler } = flakyHandler((r) => seq(r) === 1, "partial");
    const stop = new AbortController();
    const clock = new FakeClock({ start: T0.getTime() });
    const { process } = setup(handler, {}, { clock });
    const running = process({ shardId: "s1", records, signal: stop.signal });
    await clock.sleeping();
    stop.abort();
    expect(await running).toEqual({});
  });
});

describe("maximum record age", () => {
  it("parks a failing record older than the limit instead of retrying it forever", async () => {
    const records = recordsOf("a b", new Date(T0.getTime() - 2 * 3_600_000));
    const { handler, committed, calls } = flakyHandler((r) => seq(r) === 1);
    const { process, parking } = setup(handler, { maxRetries: -1, maxRecordAgeMs: 3_600_000 });
    const result = await process({ shardId: "s1", records });
    expect(result.checkpointUpTo).toBe(records[1]?.sequenceNumber);
    expect(await parkedSeqs(parking, "a")).toEqual([{ seq: 1, reason: "RecordAgeExceeded" }]);
    expect(committed.map(seq)).toEqual([2]);
    expect(calls.filter((c) => c.length === 1 && c[0] === 1)).toHaveLength(1);
  });

  it("does not park an old record that succeeds (catching up after downtime is fine)", async () => {
    const records = recordsOf("a b", new Date(T0.getTime() - 48 * 3_600_000));
    const { handler, committed } = flakyHandler(() => false);
    const { process, parking } = setup(handler, { maxRecordAgeMs: 3_600_000 });
    await process({ shardId: "s1", records });
    expect(committed.map(seq)).toEqual([1, 2]);
    expect(await parking.listBlocked()).toEqual([]);
  });
});

describe("an aggregate parked earlier (another batch, worker or process)", () => {
  it("stays blocked: its records are parked behind, the others flow", async () => {
    const { handler, committed } = flakyHandler(() => false);
    const { process, parking } = setup(handler);
    await parking.park({
      aggregateKey: "a",
      position: "0",
      shardId: "s0",
      record: (recordsOf("a") as [StreamRecord])[0],
      reason: "RetryAttemptsExhausted",
      attempts: 3,
      parkedAt: T0,
    });
    const records = recordsOf("a b a");
    const result = await process({ shardId: "s1", records });
    expect(result.checkpointUpTo).toBe(records[2]?.sequenceNumber);
    expect(committed.map(seq)).toEqual([2]);
    expect((await parkedSeqs(parking, "a")).map((p) => p.reason)).toEqual([
      "RetryAttemptsExhausted",
      "BehindParkedRecord",
      "BehindParkedRecord",
    ]);
  });
});

describe("transient (infrastructure) errors", () => {
  it("are retried with backoff without bisecting or parking", async () => {
    let failures = 4;
    const seen: number[][] = [];
    const handler: RecordHandler = async ({ records }) => {
      seen.push(records.map(seq));
      if (failures-- > 0) throw new Error("ECONNREFUSED");
      return undefined;
    };
    const { process, parking, time } = setup(
      handler,
      {},
      { isTransient: (e) => String(e).includes("ECONNREFUSED") },
    );
    const records = recordsOf("a b c");
    expect((await process({ shardId: "s1", records })).checkpointUpTo).toBe(
      records[2]?.sequenceNumber,
    );
    expect(seen).toEqual(Array(5).fill([1, 2, 3]));
    expect(time.slept).toEqual([100, 200, 400, 800]);
    expect(await parking.listBlocked()).toEqual([]);
  });
});

describe("the retry backoff", () => {
  it("is jittered: each wait is the random fraction of its capped exponential bound", async () => {
    const { handler } = flakyHandler((r) => seq(r) === 1);
    const { process, time } = setup(
      handler,
      { backoff: { initialMs: 100, maxMs: 150, multiplier: 2 } },
      { random: () => 0.5 },
    );
    await process({ shardId: "s1", records: recordsOf("a") });
    expect(time.slept).toEqual([50, 75]);
  });
});

describe("for any batch and any poison records (property)", () => {
  it("every record is committed or parked, per-aggregate order holds, nothing is lost", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat({ max: 39 }), { maxLength: 4 }),
        fc.constantFrom("throw" as const, "partial" as const),
        fc.boolean(),
        async (aggs, poisonIdx, mode, bisect) => {
          const records = recordsOf(aggs.join(" "));
          const poison = new Set(poisonIdx.map((i) => i + 1));
          const { handler, committed } = flakyHandler((r) => poison.has(seq(r)), mode);
          const { process, parking } = setup(handler, { bisectOnError: bisect });
          const result = await process({ shardId: "s", records });
          expect(result.checkpointUpTo).toBe(records.at(-1)?.sequenceNumber);
          for (const agg of new Set(aggs)) {
            const mine = records.filter((r) => aggregateOf(r) === agg).map(seq);
            const done = committed.filter((r) => aggregateOf(r) === agg).map(seq);
            const parked = (await parking.parkedOf(agg)).records.map((p) => seq(p.record));
            // Committed: an in-order prefix; parked: the rest, in order; no poison committed.
            expect([...new Set(done)]).toEqual(mine.slice(0, new Set(done).size));
            expect(parked).toEqual(mine.slice(new Set(done).size));
            expect(done.some((s) => poison.has(s))).toBe(false);
            const firstPoison = mine.find((s) => poison.has(s));
            if (bisect || mode === "partial") expect(parked[0]).toBe(firstPoison);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
