import { describe, expect, it } from "vitest";
import { type Lease, newLease, parentsFinished } from "../../services/streams/leases/lease.js";
import { parentIdsOf } from "../../services/streams/retrieval/stream-client.js";
import { leasesToCreate, leasesToDelete, lineage } from "../../services/streams/shards/lineage.js";

// Kinesis: s0 split into s1 + s2, then s2 merged with s3 into s4 (ListShards lists the first
// parent as ParentShardId and the second as AdjacentParentShardId).
const shards = [
  { shardId: "s0", endingSequenceNumber: "10" },
  { shardId: "s1", parentShardId: "s0" },
  { shardId: "s2", parentShardId: "s0", endingSequenceNumber: "20" },
  { shardId: "s3", endingSequenceNumber: "30" },
  { shardId: "s4", parentShardId: "s2", adjacentParentShardId: "s3" },
];

describe("shard lineage with merges (two parents)", () => {
  it("names both parents of a merged shard", () => {
    expect(parentIdsOf(shards[4] ?? { shardId: "" })).toEqual(["s2", "s3"]);
    const g = lineage(shards);
    expect(g.get("s2")?.children).toEqual(["s4"]);
    expect(g.get("s3")?.children).toEqual(["s4"]);
  });

  it("creates the merged shard's lease with both parents, after both parents' leases", () => {
    const created = leasesToCreate(shards, []);
    const order = created.map((l) => l.leaseKey);
    expect(created.find((l) => l.leaseKey === "s4")?.parentShardIds).toEqual(["s2", "s3"]);
    expect(order.indexOf("s4")).toBeGreaterThan(order.indexOf("s2"));
    expect(order.indexOf("s4")).toBeGreaterThan(order.indexOf("s3"));
    expect(order.indexOf("s2")).toBeGreaterThan(order.indexOf("s0"));
  });

  it("records only the parent still listed when the other was trimmed away", () => {
    const trimmed = shards.filter((s) => s.shardId !== "s3");
    const created = leasesToCreate(trimmed, []);
    expect(created.find((l) => l.leaseKey === "s4")?.parentShardIds).toEqual(["s2"]);
  });

  it("holds the merged child until both parents reached SHARD_END", () => {
    const child = newLease("s4", ["s2", "s3"], "TRIM_HORIZON");
    const leases = new Map<string, Lease>([
      ["s2", newLease("s2", [], "SHARD_END")],
      ["s3", newLease("s3", [], "49590000000000000000000000000000000000000000000000000001")],
    ]);
    expect(parentsFinished(child, (k) => leases.get(k))).toBe(false);
    leases.set("s3", newLease("s3", [], "SHARD_END"));
    expect(parentsFinished(child, (k) => leases.get(k))).toBe(true);
  });

  it("cleans up each finished parent once its shard left the stream, never the open child", () => {
    const leases = [
      newLease("s2", ["s0"], "SHARD_END"),
      newLease("s3", [], "SHARD_END"),
      newLease("s4", ["s2", "s3"], "TRIM_HORIZON"),
    ];
    const afterRetention = [
      { shardId: "s1" },
      { shardId: "s4", parentShardId: "s2", adjacentParentShardId: "s3" },
    ];
    // Not while the merged child has not started (KCL's LeaseCleanupManager)...
    expect(leasesToDelete(afterRetention, leases)).toEqual([]);
    // ...but once it checkpointed past TRIM_HORIZON.
    const started = [...leases.slice(0, 2), { ...(leases[2] as Lease), checkpoint: "7" }];
    expect(leasesToDelete(afterRetention, started).sort()).toEqual(["s2", "s3"]);
    // With one parent gone and the other unfinished the child still waits for the other one.
    const rest = new Map<string, Lease>([["s3", newLease("s3", [], "TRIM_HORIZON")]]);
    expect(parentsFinished(leases[2] as Lease, (k) => rest.get(k))).toBe(false);
  });
});
