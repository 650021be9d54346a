import { describe, expect, it } from "vitest";
import { newLease, parentsFinished } from "../../services/streams/leases/lease.js";
import {
  childrenOf,
  leasesToCreate,
  leasesToDelete,
  lineage,
} from "../../services/streams/shards/lineage.js";

const shards = [
  { shardId: "c1", parentShardId: "p" },
  { shardId: "p", parentShardId: "gone", endingSequenceNumber: "90" },
  { shardId: "c2", parentShardId: "p" },
  { shardId: "g", parentShardId: "c1" },
  { shardId: "open-parent" },
  { shardId: "oc", parentShardId: "open-parent" },
];

describe("shard lineage", () => {
  it("calls a parent listed open while a child exists CLOSING", () => {
    const g = lineage(shards);
    expect(g.get("open-parent")?.status).toBe("CLOSING");
    expect(g.get("p")?.status).toBe("CLOSED");
    expect(g.get("g")?.status).toBe("OPEN");
    expect(childrenOf("p", shards)).toEqual(["c1", "c2"]);
  });

  it("creates leases parents first, at TRIM_HORIZON, forgetting parents no longer listed", () => {
    const created = leasesToCreate(shards, new Set(["c2"]));
    expect(created.map((l) => l.leaseKey)).toEqual(["open-parent", "p", "c1", "oc", "g"]);
    expect(created.every((l) => l.checkpoint === "TRIM_HORIZON")).toBe(true);
    expect(created.find((l) => l.leaseKey === "p")?.parentShardIds).toEqual([]);
    expect(created.find((l) => l.leaseKey === "g")?.parentShardIds).toEqual(["c1"]);
  });

  it("deletes only finished leases whose shard left the stream", () => {
    const leases = [
      { ...newLease("old", [], "SHARD_END") },
      { ...newLease("unread", [], "TRIM_HORIZON") },
      { ...newLease("p", [], "SHARD_END") },
    ];
    expect(leasesToDelete(shards, leases)).toEqual(["old"]);
  });

  it("lets a child start only when every parent is finished or gone", () => {
    const child = newLease("c", ["p1", "p2"], "TRIM_HORIZON");
    const ended = newLease("p1", [], "SHARD_END");
    const running = newLease("p2", [], "123");
    expect(parentsFinished(child, (k) => (k === "p1" ? ended : running))).toBe(false);
    expect(parentsFinished(child, (k) => (k === "p1" ? ended : undefined))).toBe(true);
  });
});
