import type { LeaseStore } from "../leases/lease-store.js";
import type { ShardDescription, StreamClient } from "../retrieval/stream-client.js";
import { leasesToCreate, leasesToDelete } from "./lineage.js";

export interface ShardSyncResult {
  readonly shards: readonly ShardDescription[];
  readonly created: readonly string[];
  readonly deleted: readonly string[];
}

/**
 * Discovers shards (DescribeStream, all pages) and creates the missing leases, parents first;
 * deletes finished leases of shards that left the stream. Idempotent: every worker may run it.
 */
export const syncShards = async (
  client: StreamClient,
  streamArn: string,
  store: LeaseStore,
): Promise<ShardSyncResult> => {
  const shards = await client.listShards(streamArn);
  const leases = await store.list();
  const created: string[] = [];
  for (const lease of leasesToCreate(shards, new Set(leases.map((l) => l.leaseKey)))) {
    if (await store.create(lease)) created.push(lease.leaseKey);
  }
  const deleted = leasesToDelete(shards, leases);
  for (const key of deleted) await store.delete(key);
  return { shards, created, deleted };
};
