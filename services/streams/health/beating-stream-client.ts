import type { StreamClient } from "../retrieval/stream-client.js";
import type { Heartbeat } from "./heartbeat.js";

/**
 * A StreamClient that beats the heartbeat whenever a read answers (records or not, error or not).
 * This is worker-wide liveness only: a held shard stuck in its batch is seen through the
 * heartbeat's per-shard progress (`shardStarted` / `shardProgress`), which this never touches.
 */
export const beatingStreamClient = (client: StreamClient, heartbeat: Heartbeat): StreamClient => ({
  listShards: (streamArn) => client.listShards(streamArn).finally(heartbeat.beat),
  getShardIterator: (streamArn, shardId, position) =>
    client.getShardIterator(streamArn, shardId, position).finally(heartbeat.beat),
  getRecords: (iterator, limit) => client.getRecords(iterator, limit).finally(heartbeat.beat),
});
