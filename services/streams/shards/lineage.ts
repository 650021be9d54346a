import { SHARD_END, TRIM_HORIZON } from "../leases/checkpoint.js";
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
  for (const s of shards)
    for (const p of parentIdsOf(s)) children.set(p, [...(children.get(p) ?? []), s.shardId]);
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
 * Every shard with a descendant that has a lease, walking parents through the listing and the
 * leases' own `parentShardIds` (a parent no longer listed is still known from its child's lease).
 */
const ancestorsOfLeased = (
  shards: readonly ShardDescription[],
  leases: readonly Lease[],
): Set<string> => {
  const parents = new Map<string, Set<string>>();
  const addParents = (id: string, ps: readonly string[]) =>
    parents.set(id, new Set([...(parents.get(id) ?? []), ...ps]));
  for (const s of shards) addParents(s.shardId, parentIdsOf(s));
  for (const l of leases) addParents(l.leaseKey, l.parentShardIds);
  const ancestors = new Set<string>();
  const climb = (id: string) => {
    for (const p of parents.get(id) ?? []) {
      if (ancestors.has(p)) continue;
      ancestors.add(p);
      climb(p);
    }
  };
  for (const l of leases) climb(l.leaseKey);
  return ancestors;
};

/**
 * Leases to create for listed shards that have none, parents before children (so a child lease
 * never exists while its parent's lease is still to be written). Every new lease starts at
 * TRIM_HORIZON: the projection needs every event still in the stream. Never for a shard that has
 * a descendant with a lease: that shard was finished and its lease cleaned up, and re-creating
 * it at TRIM_HORIZON would block the descendants (KCL's HierarchicalShardSyncer). A parent is
 * recorded when it is listed or still has a lease; one with neither was trimmed away.
 */
export const leasesToCreate = (
  shards: readonly ShardDescription[],
  existing: readonly Lease[],
): Lease[] => {
  const listed = new Set(shards.map((s) => s.shardId));
  const leased = new Set(existing.map((l) => l.leaseKey));
  const superseded = ancestorsOfLeased(shards, existing);
  const byId = new Map(shards.map((s) => [s.shardId, s]));
  const depths = new Map<string, number>();
  /** Generations of listed ancestors (the longest line); a cycle in bad data counts as none. */
  const depth = (s: ShardDescription): number => {
    const known = depths.get(s.shardId);
    if (known !== undefined) return known;
    depths.set(s.shardId, 0);
    const listedParents = parentIdsOf(s).flatMap((p) => byId.get(p) ?? []);
    const d = listedParents.length === 0 ? 0 : 1 + Math.max(...listedParents.map(depth));
    depths.set(s.shardId, d);
    return d;
  };
  return shards
    .filter((s) => !leased.has(s.shardId) && !superseded.has(s.shardId))
    .map((s) => ({ s, d: depth(s) }))
    .sort((a, b) => a.d - b.d || a.s.shardId.localeCompare(b.s.shardId))
    .map(({ s }) =>
      newLease(
        s.shardId,
        parentIdsOf(s).filter((p) => listed.has(p) || leased.has(p)),
        TRIM_HORIZON,
      ),
    );
};

/**
 * Finished leases that are safe to delete (KCL's LeaseCleanupManager): the shard left the stream
 * (past retention), and every child has started, that is its lease has checkpointed past
 * TRIM_HORIZON (or finished), or it is neither leased nor listed any more. Children are those the
 * lease recorded at SHARD_END plus every lease naming it as a parent (one of two, after a merge).
 */
export const leasesToDelete = (
  shards: readonly ShardDescription[],
  leases: readonly Lease[],
): string[] => {
  const listed = new Set(shards.map((s) => s.shardId));
  const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
  const childStarted = (child: string) => {
    const lease = byKey.get(child);
    return lease ? lease.checkpoint !== TRIM_HORIZON : !listed.has(child);
  };
  return leases
    .filter((l) => l.checkpoint === SHARD_END && !listed.has(l.leaseKey))
    .filter((l) => {
      const children = new Set([
        ...l.childShardIds,
        ...leases.filter((c) => c.parentShardIds.includes(l.leaseKey)).map((c) => c.leaseKey),
      ]);
      return [...children].every(childStarted);
    })
    .map((l) => l.leaseKey);
};
