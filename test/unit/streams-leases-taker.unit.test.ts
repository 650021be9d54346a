import { describe, expect, it } from "vitest";
import { type Lease, workerId } from "../../services/streams/leases/lease.js";
import {
  isExpired,
  nextScanAt,
  type Observations,
  observe,
  planLeaseTaking,
  type TakingPolicy,
} from "../../services/streams/leases/lease-taker.js";

const me = workerId("me");
const policy: TakingPolicy = { failoverMs: 10_000, maxLeasesToStealAtOnce: 1, veryOldFactor: 3 };
const lease = (key: string, owner?: string, extra: Partial<Lease> = {}): Lease => ({
  leaseKey: key,
  ...(owner ? { leaseOwner: workerId(owner) } : {}),
  leaseCounter: 1,
  checkpoint: "TRIM_HORIZON",
  parentShardIds: [],
  childShardIds: [],
  ownerSwitchesSinceCheckpoint: 0,
  ...extra,
});
// A seeded generator: decisions are deterministic in tests.
const seeded = (seed = 42) => {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
};
const plan = (leases: Lease[], observations: Observations, now: number, held: string[] = []) =>
  planLeaseTaking({
    me,
    held: new Set(held),
    leases,
    observations,
    now,
    policy,
    random: seeded(),
  });

describe("observing counters (expiry without trusting other clocks)", () => {
  it("keeps the first-seen time while the counter does not move", () => {
    const first = observe(new Map(), [lease("a", "w1")], 1_000);
    const again = observe(first, [lease("a", "w1")], 9_000);
    expect(again.get("a")?.since).toBe(1_000);
  });

  it("restarts the clock when the counter moves", () => {
    const first = observe(new Map(), [lease("a", "w1")], 1_000);
    const moved = observe(first, [lease("a", "w1", { leaseCounter: 2 })], 9_000);
    expect(moved.get("a")?.since).toBe(9_000);
  });

  it("counts a lease first seen with an owner as fresh, and one first seen free as available", () => {
    const o = observe(new Map(), [lease("a", "w1"), lease("b")], 5_000);
    expect(isExpired(lease("a", "w1"), o.get("a"), 10_000, 14_999)).toBe(false);
    expect(isExpired(lease("a", "w1"), o.get("a"), 10_000, 15_001)).toBe(true);
    expect(isExpired(lease("b"), o.get("b"), 10_000, 5_000)).toBe(true);
  });

  it("forgets leases that left the table", () => {
    const o = observe(observe(new Map(), [lease("a", "w1")], 0), [], 1);
    expect(o.has("a")).toBe(false);
  });
});

describe("taking leases", () => {
  it("takes free leases up to ceil(leases / workers)", () => {
    const leases = [lease("a"), lease("b"), lease("c"), lease("d"), lease("e", "w1")];
    const o = observe(new Map(), leases, 0);
    const p = plan(leases, o, 0);
    expect(p.workers).toBe(2);
    expect(p.target).toBe(3);
    expect(p.take).toHaveLength(3);
    expect(p.steal).toEqual([]);
  });

  it("takes nothing when it already holds its share", () => {
    const leases = [lease("a", "me"), lease("b"), lease("c", "w1")];
    const o = observe(new Map(), leases, 0);
    expect(plan(leases, o, 0, ["a"]).take).toHaveLength(1);
    const mine = [lease("a", "me"), lease("b", "me"), lease("c", "w1"), lease("d", "w1")];
    expect(plan(mine, observe(new Map(), mine, 0), 0, ["a", "b"]).take).toEqual([]);
  });

  it("takes a lease whose counter has not moved for the failover time", () => {
    const leases = [lease("a", "dead"), lease("b", "dead")];
    const o = observe(new Map(), leases, 0);
    expect(plan(leases, o, 10_000).take).toEqual([]);
    const later = plan(leases, observe(o, leases, 10_001), 10_001);
    expect(later.take.map((l) => l.leaseKey).sort()).toEqual(["a", "b"]);
    expect(later.workers).toBe(1);
  });

  it("takes very old leases before recently expired ones", () => {
    const old = lease("old", "dead");
    const recent = lease("recent", "gone");
    const o1 = observe(new Map(), [old], 0);
    const o2 = observe(o1, [old, recent], 25_000);
    const p = planLeaseTaking({
      me,
      held: new Set(["x", "x2"]),
      leases: [
        old,
        recent,
        lease("x", "me"),
        lease("x2", "me"),
        lease("y", "w1"),
        lease("z", "w1"),
      ],
      observations: observe(o2, [old, recent], 36_000),
      now: 36_000,
      policy,
      random: seeded(7),
    });
    expect(p.take.map((l) => l.leaseKey)).toEqual(["old"]);
  });

  it("does not count or take finished leases, nor children whose parents are unfinished", () => {
    const leases = [
      lease("parent", "w1"),
      lease("child", undefined, { parentShardIds: ["parent"] }),
      lease("done", undefined, { checkpoint: "SHARD_END" }),
      lease("orphan", undefined, { parentShardIds: ["trimmed-away"] }),
    ];
    const p = plan(leases, observe(new Map(), leases, 0), 0);
    expect(p.take.map((l) => l.leaseKey)).toEqual(["orphan"]);
    expect(p.target).toBe(1);
  });

  it("retakes its own lease that its renewer does not hold (a lost reply)", () => {
    const leases = [lease("a", "me")];
    expect(plan(leases, observe(new Map(), leases, 0), 0).take.map((l) => l.leaseKey)).toEqual([
      "a",
    ]);
  });
});

describe("stealing leases", () => {
  const owned = (owner: string, n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => lease(`${owner}-${from + i}`, owner));

  it("steals one lease from the most loaded worker when nothing is free", () => {
    const leases = [...owned("w1", 6), ...owned("w2", 2)];
    const p = plan(leases, observe(new Map(), leases, 0), 0);
    expect(p.target).toBe(3);
    expect(p.take).toEqual([]);
    expect(p.steal).toHaveLength(1);
    expect(p.steal[0]?.leaseOwner).toBe("w1");
  });

  it("steals nothing while free leases exist", () => {
    const leases = [...owned("w1", 6), lease("free")];
    const p = plan(leases, observe(new Map(), leases, 0), 0);
    expect(p.take.map((l) => l.leaseKey)).toEqual(["free"]);
    expect(p.steal).toEqual([]);
  });

  it("is bounded per cycle", () => {
    const leases = owned("w1", 10);
    const p = planLeaseTaking({
      me,
      held: new Set(),
      leases,
      observations: observe(new Map(), leases, 0),
      now: 0,
      policy: { ...policy, maxLeasesToStealAtOnce: 2 },
      random: seeded(),
    });
    expect(p.steal).toHaveLength(2);
  });

  it("stops within ±1: no steal when the others hold the target and we are one short", () => {
    const leases = [...owned("w1", 3), ...owned("w2", 3), lease("m1", "me"), lease("m2", "me")];
    const p = plan(leases, observe(new Map(), leases, 0), 0, ["m1", "m2"]);
    expect(p.target).toBe(3);
    expect(p.steal).toEqual([]);
  });

  it("converges to a ±1 balance from any start (simulated rounds)", () => {
    const workers = ["me", "w1", "w2", "w3", "w4"];
    const owners = new Map<string, string>(
      Array.from({ length: 64 }, (_, i) => [`s${i}`, i < 50 ? "w1" : "w2"]),
    );
    const random = seeded(3);
    for (let round = 0; round < 200; round++) {
      for (const w of workers) {
        const leases = [...owners].map(([k, o]) => lease(k, o));
        const held = new Set([...owners].filter(([, o]) => o === w).map(([k]) => k));
        const p = planLeaseTaking({
          me: workerId(w),
          held,
          leases,
          observations: observe(new Map(), leases, 0),
          now: 0,
          policy,
          random,
        });
        for (const l of [...p.take, ...p.steal]) owners.set(l.leaseKey, w);
      }
    }
    const counts = workers.map((w) => [...owners.values()].filter((o) => o === w).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

describe("scheduling the next scan", () => {
  it("scans again when a stalled lease would expire, if that is before the next interval", () => {
    const leases = [lease("a", "w1")];
    const o = observe(new Map(), leases, 1_000);
    expect(nextScanAt(leases, o, me, 9_000, 10_000, 3_333)).toBe(11_001);
    expect(nextScanAt(leases, o, me, 2_000, 10_000, 3_333)).toBe(5_333);
  });
});
