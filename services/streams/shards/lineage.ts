import { TRIM_HORIZON } from "../leases/checkpoint.js";
import { type Lease, newLease } from "../leases/lease.js";
import { parentIdsOf, type ShardDescription } from "../retrieval/stream-client.js";

/**
 * Open: receives new records. Closing: listed as open but a child already exists (DynamoDB
 * Streams shows this for a while; no new records go to it). Closed: has an ending sequence number.
 */
export type ShardStatus = "OPEN" | "CLOSING" | "CLOSED";

export interface ShardNode {
  readonly shard: ShardDescription;
  readonly status: ShardStatus;
  readonly children: readonly string[];
}

/** The lineage graph of one DescribeStream listing. */
export const lineage = (shards: readonly ShardDescription[]): ReadonlyMap<string, ShardNode> => {
  const children = new Map<string, string[]>();
  for (const s of shards) {
    // A merged shard is a child of both its parents.
    for (const p of parentIdsOf(s)) children.set(p, [...(children.get(p) ?? []), s.shardId]);
  }
  return new Map(
    shards.map((s) => {
      const kids = (children.get(s.shardId) ?? []).sort();
      const status: ShardStatus =
        s.endingSequenceNumber !== undefined ? "CLOSED" : kids.length > 0 ? "CLOSING" : "OPEN";
      return [s.shardId, { shard: s, status, children: kids }];
    }),
  );
};

/** Children of a shard in a listing. */
export const childrenOf = (shardId: string, shards: readonly ShardDescription[]): string[] =>
  lineage(shards).get(shardId)?.children.slice() ?? [];

/**
 * Leases to create for listed shards that have none, parents before children (so a child lease
 * never exists while its parent's lease is still to be written). Every new lease starts at
 * TRIM_HORIZON: the projection needs every event still in the stream. A merged shard records
 * both parents. A parent that is not listed any more was trimmed away and is not recorded.
 */
export const leasesToCreate = (
  shards: readonly ShardDescription[],
  existing: ReadonlySet<string>,
): Lease[] => {
  const listed = new Set(shards.map((s) => s.shardId));
  const byId = new Map(shards.map((s) => [s.shardId, s]));
  const depth = (s: ShardDescription, seen = new Set<string>()): number => {
    const parents = parentIdsOf(s).flatMap((p) => byId.get(p) ?? []);
    if (parents.length === 0 || seen.has(s.shardId)) return 0;
    seen.add(s.shardId);
    return 1 + Math.max(...parents.map((p) => depth(p, seen)));
  };
  return shards
    .filter((s) => !existing.has(s.shardId))
    .map((s) => ({ s, d: depth(s) }))
    .sort((a, b) => a.d - b.d || a.s.shardId.localeCompare(b.s.shardId))
    .map(({ s }) =>
      newLease(
        s.shardId,
        parentIdsOf(s).filter((p) => listed.has(p)),
        TRIM_HORIZON,
      ),
    );
};

/** Finished leases whose shard has left the stream (past retention): safe to delete. */
export const leasesToDelete = (
  shards: readonly ShardDescription[],
  leases: readonly Lease[],
): string[] => {
  const listed = new Set(shards.map((s) => s.shardId));
  return leases
    .filter((l) => l.checkpoint === "SHARD_END" && !listed.has(l.leaseKey))
    .map((l) => l.leaseKey);
};
