import type { StreamClient } from "../retrieval/stream-client.js";
import type { Heartbeat } from "./heartbeat.js";

/**
 * A StreamClient that beats the heartbeat whenever a read answers (records or not, error or not):
 * shard loops poll it several times a second and shard sync lists shards every minute, so
 * silence means every loop of the worker is stuck.
 */
export const beatingStreamClient = (client: StreamClient, heartbeat: Heartbeat): StreamClient => ({
  listShards: (streamArn) => client.listShards(streamArn).finally(heartbeat.beat),
  getShardIterator: (streamArn, shardId, position) =>
    client.getShardIterator(streamArn, shardId, position).finally(heartbeat.beat),
  getRecords: (iterator, limit) => client.getRecords(iterator, limit).finally(heartbeat.beat),
});
