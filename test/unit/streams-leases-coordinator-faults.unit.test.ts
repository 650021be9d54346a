import { describe, expect, it } from "vitest";
import { healthApp } from "../../services/streams/health/health-app.js";
import { createHeartbeat } from "../../services/streams/health/heartbeat.js";
import type { HeldLease } from "../../services/streams/leases/held-lease.js";
import { type Lease, newLease, workerId } from "../../services/streams/leases/lease.js";
import type { LeaseWrite } from "../../services/streams/leases/lease-store.js";
import { planLeaseTaking } from "../../services/streams/leases/lease-taker.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { handledLog, keyOn, workerOn } from "../streams-sim/harness.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { testCoordinator } from "../streams-sim/lease-coordinator.js";
import { SimulatedStream } from "../streams-sim/simulated-stream.js";
import { FakeClock } from "../support/fake-clock.js";

// The lease coordinator and whole workers on the in-memory lease table and the simulated
// stream, driven by the fake clock in small steps (no real time).
const fakeTime = () => {
  const clock = new FakeClock({ start: 1_000_000 });
  const advance = async (ms: number, step = 100) => {
    for (const end = clock.now() + ms; clock.now() < end; ) {
      await clock.advance(Math.min(step, end - clock.now()));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, advance };
};

describe("lease renewal", () => {
  it("keeps the other leases held and read while one renewal hangs past the failover time", async () => {
    const time = fakeTime();
    const stream = new SimulatedStream("arn:sim:slow-renew", 2);
    const [slow = "", healthy = ""] = stream.openShardIds();
    const store = new InMemoryLeaseStore();
    const renew = store.renew.bind(store);
    // The slow shard's renewal never answers; it gives up only when its deadline aborts it.
    store.renew = (held: Lease, signal?: AbortSignal): LeaseWrite =>
      held.leaseKey !== slow
        ? renew(held)
        : new Promise((_, reject) =>
            signal?.addEventListener("abort", () => reject(signal.reason), { once: true }),
          );
    const log = handledLog();
    const lost: string[] = [];
    const worker = workerOn(stream, store, {
      processBatch: log.processBatch("me"),
      clock: time.clock,
      metrics: { ...noMetrics, leaseLost: (s) => lost.push(s) },
      config: { failoverMs: 2_000, renewIntervalMs: 600, takeIntervalMs: 400, idlePollMs: 100 },
    });
    await worker.start();
    await time.advance(500);
    expect(worker.heldLeaseKeys().sort()).toEqual([slow, healthy].sort());
    const key = keyOn(stream, healthy);
    const counterAtStart = store.leases.get(healthy)?.leaseCounter ?? 0;

    // 6 s (3 failover times) with nothing to read: only renewals keep the healthy lease.
    await time.advance(6_000);
    expect(lost).not.toContain(healthy);
    expect(worker.heldLeaseKeys()).toContain(healthy);
    expect(store.leases.get(healthy)?.leaseCounter).toBeGreaterThan(counterAtStart + 5);
    for (let v = 1; v <= 5; v++) {
      stream.put(key, v);
      await time.advance(1_000);
    }
    expect(log.log.filter((h) => h.key === key).map((h) => h.version)).toEqual([1, 2, 3, 4, 5]);
    expect(lost).not.toContain(healthy);
    const done = worker.shutdown();
    await time.advance(25_000);
    await done;
  });

  it("a checkpoint after a renewal whose response was lost retries at the new counter", async () => {
    const time = fakeTime();
    const store = new InMemoryLeaseStore();
    store.leases.set("s0", newLease("s0", [], "TRIM_HORIZON"));
    const taken: HeldLease[] = [];
    const errors: string[] = [];
    const coordinator = testCoordinator({
      store,
      clock: time.clock,
      onTaken: (h) => taken.push(h),
      onError: (e) => errors.push(String(e)),
    });
    await coordinator.takeCycle();
    const held = taken[0] as HeldLease;
    const renew = store.renew.bind(store);
    // The renewal commits, then its response is lost on the way back.
    store.renew = async (lease: Lease) => {
      await renew(lease);
      throw new Error("socket hang up");
    };
    await coordinator.renewAll();
    expect(errors).toEqual([expect.stringContaining("socket hang up")]);

    const written = await coordinator.checkpoint(held, "000000000000000000042");
    expect(written.isOk()).toBe(true);
    expect(held.signal.aborted).toBe(false);
    expect(store.leases.get("s0")).toMatchObject({
      checkpoint: "000000000000000000042",
      leaseOwner: "me",
    });
  });
});

describe("shutdown", () => {
  it("releases a lease whose take was in flight at SIGTERM, before shutdown resolves", async () => {
    const time = fakeTime();
    const stream = new SimulatedStream("arn:sim:take-in-flight", 1);
    const store = new InMemoryLeaseStore();
    const take = store.take.bind(store);
    let landTake = () => {};
    const takeStarted = new Promise<void>((started) => {
      store.take = (observed, owner, token) => {
        started();
        return new Promise((resolve) => {
          landTake = () => resolve(take(observed, owner, token));
        });
      };
    });
    const release = store.release.bind(store);
    // Each release takes a moment, as a DynamoDB write does.
    store.release = async (held: Lease) => {
      await new Promise((r) => setImmediate(r));
      return release(held);
    };
    const worker = workerOn(stream, store, {
      processBatch: handledLog().processBatch("me"),
      clock: time.clock,
      config: { shutdownGraceMs: 1_000 },
    });
    await worker.start();
    await takeStarted;
    const [shard = ""] = stream.openShardIds();

    const done = worker.shutdown();
    await time.advance(100);
    landTake();
    await done;
    expect(store.leases.get(shard)?.leaseOwner).toBeUndefined();
  });
});

describe("maxLeasesForWorker", () => {
  it("caps the leases one worker takes, leaving the rest for others", () => {
    const leases = Array.from({ length: 5 }, (_, i) => newLease(`s${i}`, [], "TRIM_HORIZON"));
    const plan = planLeaseTaking({
      me: workerId("me"),
      held: new Set(),
      leases,
      observations: new Map(),
      now: 0,
      policy: {
        failoverMs: 10_000,
        maxLeasesToStealAtOnce: 1,
        veryOldFactor: 3,
        maxLeasesForWorker: 2,
      },
      random: () => 0.5,
    });
    expect(plan.take).toHaveLength(2);
  });

  it("a worker capped at one lease holds one and keeps reading it", async () => {
    const time = fakeTime();
    const stream = new SimulatedStream("arn:sim:capped", 3);
    const store = new InMemoryLeaseStore();
    const worker = workerOn(stream, store, {
      processBatch: handledLog().processBatch("me"),
      clock: time.clock,
      config: { maxLeasesForWorker: 1, shutdownGraceMs: 1_000 },
    });
    await worker.start();
    await time.advance(5_000);
    expect(worker.heldLeaseKeys()).toHaveLength(1);
    expect([...store.leases.values()].filter((l) => l.leaseOwner === "me")).toHaveLength(1);
    const done = worker.shutdown();
    await time.advance(2_000);
    await done;
  });
});

describe("/healthz", () => {
  it("answers 503 while a lease is held with no shard consumer running", async () => {
    const time = fakeTime();
    const heartbeat = createHeartbeat(time.clock);
    const app = healthApp({ heartbeat, maxSilenceMs: 30_000, clock: time.clock });
    heartbeat.shardStarted("s1");
    expect((await app.request("/healthz")).status).toBe(200);
    heartbeat.consumerEnded("s1");
    const unread = await app.request("/healthz");
    expect(unread.status).toBe(503);
    expect(await unread.json()).toMatchObject({ detail: expect.stringContaining("s1") });
    heartbeat.shardStopped("s1"); // the lease was released
    expect((await app.request("/healthz")).status).toBe(200);
  });
});
