import type { IteratorPosition } from "../retrieval/stream-client.js";

/**
 * What happens when records were trimmed from the stream before they were processed (the
 * failure-handling side implements detection, alarms and healing). Without a policy the shard
 * stops in state TRIMMED, keeping its lease, with an error and the `trimmed` metric: nothing is
 * ever skipped silently.
 */
export interface TrimmedDataPolicy {
  /** Where to open a shard just taken, given its checkpoint (may detect a trimmed gap). */
  startPosition?(shardId: string, checkpoint: string | undefined): Promise<IteratorPosition>;
  /**
   * Reading threw TrimmedDataAccess: where to resume, STOP, or RETRY (the records after the
   * checkpoint are still there: the error was spurious; read after the checkpoint again).
   */
  onTrimmedDataAccess(
    shardId: string,
    checkpoint: string,
    error: unknown,
  ): Promise<IteratorPosition | "STOP" | "RETRY">;
  /**
   * The shard left the stream before SHARD_END. Once reported, FINISH (also when nothing is
   * returned) ends the lease so the children start; STOP keeps the shard stopped.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a policy that only reports returns void.
  onShardExpired(shardId: string, checkpoint: string): Promise<void | "STOP" | "FINISH">;
}
