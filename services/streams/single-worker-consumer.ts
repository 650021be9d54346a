import type { DynamoDbCheckpointStore } from "./checkpoints/checkpoint-store.js";
import type { ShardDescription, StreamClient, StreamRecord } from "./retrieval/stream-client.js";
import { StreamReadError } from "./retrieval/stream-client.js";

/** Processes one ordered batch of a shard; resolve only once the effect is committed. */
export type RecordHandler = (records: readonly StreamRecord[], shardId: string) => Promise<void>;

export interface SingleWorkerOptions {
  readonly streamArn: string;
  readonly client: StreamClient;
  readonly checkpoints: DynamoDbCheckpointStore;
  readonly handler: RecordHandler;
  readonly batchSize?: number;
  readonly idlePollMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * A single worker reading every shard in lineage order and checkpointing after each committed
 * batch. (The multi-worker lease protocol replaces this loop; the handler contract stays.)
 */
export const startSingleWorkerConsumer = (
  options: SingleWorkerOptions,
): { stop(): Promise<void> } => {
  const batchSize = options.batchSize ?? 1000;
  const idle = options.idlePollMs ?? 100;
  let running = true;
  const iterators = new Map<string, string>();

  const readShard = async (shard: ShardDescription): Promise<boolean> => {
    const checkpoint = await options.checkpoints.get(shard.shardId);
    if (checkpoint === "SHARD_END") return false;
    let iterator = iterators.get(shard.shardId);
    if (!iterator) {
      iterator = await options.client.getShardIterator(
        options.streamArn,
        shard.shardId,
        checkpoint && checkpoint !== "TRIM_HORIZON"
          ? { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: checkpoint }
          : { type: "TRIM_HORIZON" },
      );
    }
    let page: Awaited<ReturnType<StreamClient["getRecords"]>>;
    try {
      page = await options.client.getRecords(iterator, batchSize);
    } catch (e) {
      if (e instanceof StreamReadError && e.kind === "ExpiredIterator") {
        iterators.delete(shard.shardId);
        return true;
      }
      throw e;
    }
    if (page.records.length > 0) {
      await options.handler(page.records, shard.shardId);
      const last = page.records.at(-1);
      if (last) await options.checkpoints.set(shard.shardId, last.sequenceNumber);
    }
    if (page.nextIterator) iterators.set(shard.shardId, page.nextIterator);
    else {
      iterators.delete(shard.shardId);
      await options.checkpoints.set(shard.shardId, "SHARD_END");
    }
    return page.records.length > 0;
  };

  const isReady = async (shard: ShardDescription, all: readonly ShardDescription[]) => {
    const parent = shard.parentShardId;
    if (!parent || !all.some((s) => s.shardId === parent)) return true;
    return (await options.checkpoints.get(parent)) === "SHARD_END";
  };

  const loop = (async () => {
    while (running) {
      try {
        const shards = await options.client.listShards(options.streamArn);
        let busy = false;
        for (const shard of shards) {
          if (running && (await isReady(shard, shards))) busy = (await readShard(shard)) || busy;
        }
        if (!busy) await new Promise((r) => setTimeout(r, idle));
      } catch (e) {
        options.onError?.(e);
        await new Promise((r) => setTimeout(r, idle * 5));
      }
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
};
