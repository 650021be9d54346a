import { describe, expect, it } from "vitest";
import { healthApp } from "../../services/streams/health/health-app.js";
import { createHeartbeat } from "../../services/streams/health/heartbeat.js";
import type { ProcessBatch } from "../../services/streams/processing/process-batch.js";
import { workerOn } from "../streams-sim/harness.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { FakeClock } from "../support/fake-clock.js";

// A whole worker (coordinator, shard loops) on the simulated stream and the in-memory lease
// table, driven by a fake clock: sleeps resolve only when the test advances time.
const fakeTime = () => {
  const clock = new FakeClock({ start: Date.parse("2026-11-29T05:00:00Z") });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  /** Moves time forward in 500 ms steps, letting every loop due in each step run. */
  const advance = async (ms: number) => {
    for (const end = clock.now() + ms; clock.now() < end; ) {
      await clock.advance(Math.min(500, end - clock.now()));
      await settle();
    }
  };
  return { clock, advance };
};

const MAX_SILENCE_MS = 30_000;

const setUp = async (processBatch: ProcessBatch, shards = 1) => {
  const time = fakeTime();
  const stream = new SimulatedStream("arn:sim:stream", shards);
  const store = new InMemoryLeaseStore();
  const heartbeat = createHeartbeat(time.clock);
  const worker = workerOn(stream, store, {
    processBatch,
    clock: time.clock,
    heartbeat,
    config: { failoverMs: 10_000, shardSyncIntervalMs: 60_000, shutdownGraceMs: 1_000 },
  });
  const app = healthApp({ heartbeat, maxSilenceMs: MAX_SILENCE_MS, clock: time.clock });
  const healthz = async () => (await app.request("/healthz")).status;
  const stop = async () => {
    const done = worker.shutdown();
    await time.advance(2_000);
    await done;
  };
  return { time, stream, store, worker, healthz, stop };
};

describe("/healthz of a running worker", () => {
  it("turns 503 when a held shard's batch hangs, although its lease is still renewed", async () => {
    let calls = 0;
    const hangs: ProcessBatch = () => {
      calls++;
      return new Promise(() => {}); // a query on a dead Postgres socket
    };
    const { time, stream, store, worker, healthz, stop } = await setUp(hangs);
    stream.put("item-1", 1);
    await worker.start();
    await time.advance(1_000);
    expect(calls).toBe(1);
    const [shard] = worker.heldLeaseKeys();
    const counterAtStart = store.leases.get(shard ?? "")?.leaseCounter ?? 0;

    await time.advance(MAX_SILENCE_MS - 2_000);
    expect(await healthz()).toBe(200);
    await time.advance(4_000);

    expect(await healthz()).toBe(503);
    expect(worker.heldLeaseKeys()).toEqual([shard]);
    expect(store.leases.get(shard ?? "")?.leaseCounter).toBeGreaterThan(counterAtStart + 5);
    expect(calls).toBe(1);
    await stop();
  });

  it("stays 200 while shards poll and process", async () => {
    const upToLast: ProcessBatch = async ({ records }) => ({
      checkpointUpTo: records.at(-1)?.sequenceNumber,
    });
    const { time, stream, worker, healthz, stop } = await setUp(upToLast, 2);
    stream.put("item-1", 1);
    await worker.start();
    await time.advance(MAX_SILENCE_MS * 2);
    expect(worker.heldLeaseKeys()).toHaveLength(2);
    expect(await healthz()).toBe(200);
    await stop();
  });

  it("stays 200 for an idle worker that holds no lease", async () => {
    const { time, worker, healthz, stop } = await setUp(async () => ({}), 0);
    await worker.start();
    await time.advance(MAX_SILENCE_MS * 2);
    expect(worker.heldLeaseKeys()).toEqual([]);
    expect(await healthz()).toBe(200);
    await stop();
  });
});
