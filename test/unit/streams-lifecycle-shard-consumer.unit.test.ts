import { describe, expect, it } from "vitest";
import type { Clock } from "../../services/clock/clock.js";
import { resolveConsumerConfig } from "../../services/streams/coordinator/config.js";
import type { HeldLease } from "../../services/streams/leases/held-lease.js";
import { type Lease, newLease, workerId } from "../../services/streams/leases/lease.js";
import { ShardConsumer } from "../../services/streams/lifecycle/shard-consumer.js";
import type { ShardState } from "../../services/streams/lifecycle/shard-state.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { testCoordinator } from "../streams-sim/lease-coordinator.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { FakeClock, yieldingClock } from "../support/fake-clock.js";

// One shard consumer on the simulated stream and the in-memory lease table. Sleeping only
// yields to the event loop: no timers, no real time.

const setUp = async (stream: SimulatedStream, leases: Lease[], clock: Clock = yieldingClock) => {
  const store = new InMemoryLeaseStore();
  for (const l of leases) store.leases.set(l.leaseKey, l);
  const held: HeldLease[] = [];
  const coordinator = testCoordinator({
    store,
    clock,
    onTaken: (h) => held.push(h),
    onError: (e) => {
      throw e;
    },
  });
  await coordinator.takeCycle();
  const states: ShardState[] = [];
  const finished: string[][] = [];
  const consumer = (h: HeldLease, processBatch: ProcessBatch, shutdown = new AbortController()) =>
    new ShardConsumer(h, shutdown.signal, {
      streamArn: stream.streamArn,
      client: stream,
      store,
      leases: coordinator,
      processBatch,
      clock,
      metrics: noMetrics,
      config: resolveConsumerConfig(),
      onError: () => {},
      onState: (_s, state) => states.push(state),
      onFinished: (_s, children) => finished.push([...children]),
    });
  return { store, held, consumer, states, finished };
};

const upToLast: ProcessBatch = async ({ records }) => ({
  checkpointUpTo: records.at(-1)?.sequenceNumber,
});

/** Processes one batch, then asks the consumer to stop; `seen` holds each batch's size. */
const oneBatchThenStop = () => {
  const seen: number[] = [];
  const shutdown = new AbortController();
  const processBatch: ProcessBatch = async (input) => {
    seen.push(input.records.length);
    shutdown.abort();
    return upToLast(input);
  };
  return { seen, processBatch, shutdown };
};

describe("shard consumer", () => {
  it("at SHARD_END creates the children's leases, then checkpoints SHARD_END and frees the lease", async () => {
    const stream = new SimulatedStream("arn:sim:unit/end", 1);
    const [parent = ""] = stream.openShardIds();
    for (let v = 1; v <= 3; v++) stream.put("k", v);
    const [c1, c2] = stream.split(parent);
    const s = await setUp(stream, [newLease(parent, [], "TRIM_HORIZON")]);
    const h = s.held[0] as HeldLease;

    expect(await s.consumer(h, upToLast).run()).toBe("FINISHED");
    expect(s.states).toEqual(["INITIALIZING", "PROCESSING", "SHARD_ENDING", "FINISHED"]);
    const p = s.store.leases.get(parent);
    expect(p).toMatchObject({ checkpoint: "SHARD_END", childShardIds: [c1, c2] });
    expect(p?.leaseOwner).toBeUndefined();
    for (const c of [c1, c2])
      expect(s.store.leases.get(c ?? "")).toMatchObject({
        checkpoint: "TRIM_HORIZON",
        parentShardIds: [parent],
      });
    expect(s.finished).toEqual([[c1, c2]]);
  });

  it("stops before its next write once the lease is taken away mid-batch", async () => {
    const stream = new SimulatedStream("arn:sim:unit/lost", 1);
    const [shard = ""] = stream.openShardIds();
    for (let v = 1; v <= 3; v++) stream.put("k", v);
    const s = await setUp(stream, [newLease(shard, [], "TRIM_HORIZON")]);
    const h = s.held[0] as HeldLease;
    let calls = 0;
    const thief: ProcessBatch = async (input) => {
      calls++;
      const current = s.store.leases.get(shard);
      if (current) await s.store.take(current, workerId("thief"), "theirs");
      for (let v = 4; v <= 6; v++) stream.put("k", v);
      return upToLast(input);
    };
    expect(await s.consumer(h, thief).run()).toBe("LEASE_LOST");
    expect(calls).toBe(1);
    expect(s.store.leases.get(shard)).toMatchObject({
      leaseOwner: "thief",
      checkpoint: "TRIM_HORIZON",
    });
  });

  it("waits for an unfinished parent, then starts once the parent is at SHARD_END", async () => {
    const stream = new SimulatedStream("arn:sim:unit/wait", 1);
    const [parent = ""] = stream.openShardIds();
    const [child = ""] = stream.split(parent);
    // Keys spread over both children's hash ranges.
    for (let k = 0; k < 20; k++) stream.put(`k${k}`, 1);
    // The taker never takes a child of an unfinished parent; the consumer checks again anyway
    // (here the parent's lease appears only after the child was taken).
    // Time moves only when the test says: the consumer's wait for its parent is observable.
    const clock = new FakeClock();
    const { parentPollMs } = resolveConsumerConfig();
    const s = await setUp(stream, [newLease(child, [parent], "TRIM_HORIZON")], clock);
    s.store.leases.set(parent, {
      ...newLease(parent, [], "000000000000000000001"),
      leaseOwner: workerId("other"),
    });
    const h = s.held.find((x) => x.leaseKey === child) as HeldLease;
    const { seen, processBatch, shutdown } = oneBatchThenStop();
    const run = s.consumer(h, processBatch, shutdown).run();
    // It looked at the parent, found it unfinished and now waits for the next look, having
    // started nothing.
    await Promise.race([
      clock.sleeping(),
      run.then((state) => {
        throw new Error(`ended as ${state} without waiting for its parent`);
      }),
    ]);
    expect(clock.slept).toEqual([parentPollMs]);
    expect(s.states).toEqual([]);
    expect(seen).toEqual([]);
    const p = s.store.leases.get(parent) as Lease;
    s.store.leases.set(parent, { ...p, checkpoint: "SHARD_END" });
    await clock.advance(parentPollMs);
    expect(await run).toBe("SHUT_DOWN");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThan(0);
    expect(s.store.leases.get(child)?.leaseOwner).toBeUndefined();
  });

  it("retries a failed parent lookup instead of ending while it still holds the lease", async () => {
    const stream = new SimulatedStream("arn:sim:unit/parent-read", 1);
    const [parent = ""] = stream.openShardIds();
    const [child = ""] = stream.split(parent);
    for (let k = 0; k < 20; k++) stream.put(`k${k}`, 1);
    const s = await setUp(stream, [newLease(child, [parent], "TRIM_HORIZON")]);
    const h = s.held.find((x) => x.leaseKey === child) as HeldLease;
    const get = s.store.get.bind(s.store);
    let failures = 1;
    s.store.get = async (key) => {
      if (failures-- > 0) throw new Error("GetItem: network down");
      return get(key);
    };
    const { seen, processBatch, shutdown } = oneBatchThenStop();
    const state = await s.consumer(h, processBatch, shutdown).run();
    expect(state).toBe("SHUT_DOWN");
    expect(seen).toHaveLength(1);
  });
});
