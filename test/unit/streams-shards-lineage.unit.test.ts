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
    const created = leasesToCreate(shards, []);
    expect(created.map((l) => l.leaseKey)).toEqual(["open-parent", "p", "c1", "c2", "oc", "g"]);
    expect(created.every((l) => l.checkpoint === "TRIM_HORIZON")).toBe(true);
    expect(created.find((l) => l.leaseKey === "p")?.parentShardIds).toEqual([]);
    expect(created.find((l) => l.leaseKey === "g")?.parentShardIds).toEqual(["c1"]);
  });

  it("never creates a lease for a shard whose descendant has one", () => {
    // c2 has a lease, so p (its parent) was finished and cleaned up: not re-created.
    const created = leasesToCreate(shards, [newLease("c2", ["p"], "000000000000000000005")]);
    expect(created.map((l) => l.leaseKey)).toEqual(["open-parent", "c1", "oc", "g"]);
    // Also when only the lease knows the lineage: g's lease names c1, which names p.
    const fromLeases = leasesToCreate(
      [{ shardId: "p" }, { shardId: "x" }],
      [newLease("c1", ["p"], "SHARD_END"), newLease("g", ["c1"], "TRIM_HORIZON")],
    );
    expect(fromLeases.map((l) => l.leaseKey)).toEqual(["x"]);
  });

  it("records a parent from its lease when the listing no longer shows it", () => {
    const created = leasesToCreate(
      [{ shardId: "child", parentShardId: "unlisted" }],
      [newLease("unlisted", [], "000000000000000000007")],
    );
    expect(created).toEqual([expect.objectContaining({ parentShardIds: ["unlisted"] })]);
  });

  it("deletes only finished leases whose shard left the stream", () => {
    const leases = [
      { ...newLease("old", [], "SHARD_END") },
      { ...newLease("unread", [], "TRIM_HORIZON") },
      { ...newLease("p", [], "SHARD_END") },
    ];
    expect(leasesToDelete(shards, leases)).toEqual(["old"]);
  });

  it("deletes a finished parent only once every child has checkpointed past TRIM_HORIZON or finished", () => {
    const parent = { ...newLease("old", [], "SHARD_END"), childShardIds: ["k1", "k2"] };
    const k1 = newLease("k1", ["old"], "000000000000000000003");
    const waiting = newLease("k2", ["old"], "TRIM_HORIZON");
    expect(leasesToDelete([], [parent, k1, waiting])).toEqual([]);
    // k2 finished (and, childless and unlisted, goes too).
    expect(leasesToDelete([], [parent, k1, { ...waiting, checkpoint: "SHARD_END" }])).toEqual([
      "old",
      "k2",
    ]);
    // A child listed but without a lease yet has not started either.
    expect(leasesToDelete([{ shardId: "k2" }], [parent, k1])).toEqual([]);
  });

  it("treats each parent of a merged child alike", () => {
    const merged = newLease("m", ["a", "b"], "TRIM_HORIZON");
    const a = newLease("a", [], "SHARD_END");
    const b = newLease("b", [], "SHARD_END");
    expect(leasesToDelete([], [a, b, merged])).toEqual([]);
    expect(leasesToDelete([], [a, b, { ...merged, checkpoint: "000000000000000000001" }])).toEqual([
      "a",
      "b",
    ]);
  });

  it("lets a child start only when every parent is finished or gone", () => {
    const child = newLease("c", ["p1", "p2"], "TRIM_HORIZON");
    const ended = newLease("p1", [], "SHARD_END");
    const running = newLease("p2", [], "123");
    expect(parentsFinished(child, (k) => (k === "p1" ? ended : running))).toBe(false);
    expect(parentsFinished(child, (k) => (k === "p1" ? ended : undefined))).toBe(true);
  });
});
