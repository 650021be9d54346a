import { describe, expect, it } from "vitest";
import type { HeldLease } from "../../services/streams/leases/held-lease.js";
import { newLease, workerId } from "../../services/streams/leases/lease.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { InMemoryLeaseStore } from "../streams-sim/in-memory-lease-store.js";
import { testCoordinator } from "../streams-sim/lease-coordinator.js";
import { FakeClock } from "../support/fake-clock.js";

// The coordinator's cycles driven by hand with a fake clock: no timers, no I/O.
const setUp = (shards = 4) => {
  const store = new InMemoryLeaseStore();
  for (let i = 0; i < shards; i++) store.leases.set(`s${i}`, newLease(`s${i}`, [], "TRIM_HORIZON"));
  const clock = new FakeClock({ start: 1_000 });
  const lost: string[] = [];
  let tokens = 0;
  const coordinator = (name: string, taken: HeldLease[] = []) =>
    testCoordinator({
      store,
      me: workerId(name),
      clock,
      renewIntervalMs: 3_333,
      metrics: { ...noMetrics, leaseLost: (s) => lost.push(`${name}:${s}`) },
      newToken: () => `token-${++tokens}`,
      onTaken: (h) => taken.push(h),
    });
  return { store, clock, lost, coordinator };
};

/** One shard, and worker "a" holding its lease after one take cycle. */
const holdingOne = async () => {
  const s = setUp(1);
  const taken: HeldLease[] = [];
  const a = s.coordinator("a", taken);
  await a.takeCycle();
  return { ...s, a, held: taken[0] as HeldLease };
};

describe("lease coordinator", () => {
  it("takes free leases under a fresh token and tells the worker", async () => {
    const { store, coordinator } = setUp();
    const taken: HeldLease[] = [];
    await coordinator("a", taken).takeCycle();
    expect(taken.map((h) => h.leaseKey).sort()).toEqual(["s0", "s1", "s2", "s3"]);
    expect(new Set(taken.map((h) => h.token)).size).toBe(4);
    expect([...store.leases.values()].every((l) => l.leaseOwner === "a")).toBe(true);
  });

  it("drops, without writing, a lease it could not renew within the failover time", async () => {
    const { store, clock, lost, coordinator } = setUp(1);
    const taken: HeldLease[] = [];
    const a = coordinator("a", taken);
    await a.takeCycle();
    const writes = store.writes;
    await clock.advance(10_001);
    await a.renewAll();
    expect(store.writes).toBe(writes);
    expect(taken[0]?.signal.aborted).toBe(true);
    expect(taken[0]?.lostReason).toBe("EXPIRED");
    expect(a.heldLeases()).toEqual([]);
    expect(lost).toEqual(["a:s0"]);
  });

  it("lets another worker take a lease only after its counter stood still for the failover time", async () => {
    const { store, clock, coordinator } = setUp(1);
    const a = coordinator("a");
    const bTaken: HeldLease[] = [];
    const b = coordinator("b", bTaken);
    await a.takeCycle();
    await b.takeCycle(); // first sight: fresh
    await clock.advance(6_000);
    await a.renewAll();
    await b.takeCycle(); // the counter moved: fresh again
    await clock.advance(9_000);
    await b.takeCycle(); // 9 s without a change: not yet
    expect(bTaken).toEqual([]);
    await clock.advance(1_001);
    await b.takeCycle();
    expect(bTaken.map((h) => h.leaseKey)).toEqual(["s0"]);
    expect(store.leases.get("s0")?.ownerSwitchesSinceCheckpoint).toBe(2);
  });

  it("steals one lease from a worker holding more than its share", async () => {
    const { store, coordinator } = setUp(2);
    await coordinator("a").takeCycle();
    const bTaken: HeldLease[] = [];
    await coordinator("b", bTaken).takeCycle();
    expect(bTaken).toHaveLength(1);
    expect([...store.leases.values()].map((l) => l.leaseOwner).sort()).toEqual(["a", "b"]);
  });

  it("stops a holder whose lease was taken: renewal conflicts and the checkpoint is refused", async () => {
    const { store, clock, lost, a, held } = await holdingOne();
    const observed = store.leases.get("s0");
    if (!observed) throw new Error("no lease");
    await store.take(observed, workerId("thief"), "other");
    await clock.advance(1_000);
    await a.renewAll();
    expect(held.lostReason).toBe("CONFLICT");
    expect(lost).toEqual(["a:s0"]);
    const writes = store.writes;
    expect((await a.checkpoint(held, "000000000000000000009")).isErr()).toBe(true);
    expect(store.writes).toBe(writes);
    expect(store.leases.get("s0")?.checkpoint).toBe("TRIM_HORIZON");
  });

  it("serialises a renewal and a checkpoint on the same lease (no self-conflict)", async () => {
    const { store, a, held } = await holdingOne();
    const [, cp] = await Promise.all([a.renewAll(), a.checkpoint(held, "000000000000000000042")]);
    expect(cp.isOk()).toBe(true);
    expect(held.signal.aborted).toBe(false);
    expect(store.leases.get("s0")?.checkpoint).toBe("000000000000000000042");
  });

  it("releases a lease: owner cleared, and the holder's signal stops its consumer", async () => {
    const { store, a, held } = await holdingOne();
    expect((await a.release(held)).isOk()).toBe(true);
    expect(store.leases.get("s0")?.leaseOwner).toBeUndefined();
    expect(held.lostReason).toBe("RELEASED");
    expect(a.heldLeases()).toEqual([]);
  });
});
