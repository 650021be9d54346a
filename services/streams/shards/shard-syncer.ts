import type { LeaseStore } from "../leases/lease-store.js";
import type { ShardDescription, StreamClient } from "../retrieval/stream-client.js";
import { leasesToCreate, leasesToDelete } from "./lineage.js";

export interface ShardSyncResult {
  readonly shards: readonly ShardDescription[];
  readonly created: readonly string[];
  readonly deleted: readonly string[];
}

/**
 * Discovers shards (DescribeStream, all pages) and creates the missing leases, parents first,
 * never one for a shard whose descendant holds a lease; deletes finished leases of shards that
 * left the stream once their children have started (conditional on SHARD_END). Idempotent:
 * every worker may run it, in any interleaving with the others.
 */
export const syncShards = async (
  client: StreamClient,
  streamArn: string,
  store: LeaseStore,
): Promise<ShardSyncResult> => {
  const shards = await client.listShards(streamArn);
  const leases = await store.list();
  const created: string[] = [];
  for (const lease of leasesToCreate(shards, leases)) {
    if (await store.create(lease)) created.push(lease.leaseKey);
  }
  const deleted: string[] = [];
  for (const key of leasesToDelete(shards, leases)) if (await store.delete(key)) deleted.push(key);
  return { shards, created, deleted };
};
