import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export interface ShardDescription {
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly startingSequenceNumber?: string;
  /** Present once the shard is closed: nothing will be written to it any more. */
  readonly endingSequenceNumber?: string;
}

export interface StreamRecord {
  readonly sequenceNumber: string;
  /** ApproximateCreationDateTime, for lag metrics and maximum record age. */
  readonly approximateCreationTime: Date;
  readonly keys: Record<string, AttributeValue>;
  readonly newImage?: Record<string, AttributeValue>;
}

export type IteratorPosition =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "LATEST" }
  | { readonly type: "AFTER_SEQUENCE_NUMBER"; readonly sequenceNumber: string }
  | { readonly type: "AT_SEQUENCE_NUMBER"; readonly sequenceNumber: string };

export interface RecordsPage {
  readonly records: readonly StreamRecord[];
  /** Absent when the shard is closed and fully read (SHARD_END). */
  readonly nextIterator?: string;
}

/**
 * The small port the consumer reads streams through: the AWS SDK implementation talks to
 * DynamoDB Streams (or DynamoDB Local); a simulated stream implements it for model tests.
 * Errors: `ExpiredIterator` → reopen from the last processed sequence number;
 * `TrimmedDataAccess` → the position is older than retention (never skip silently).
 */
export interface StreamClient {
  listShards(streamArn: string): Promise<readonly ShardDescription[]>;
  getShardIterator(streamArn: string, shardId: string, position: IteratorPosition): Promise<string>;
  getRecords(iterator: string, limit: number): Promise<RecordsPage>;
}

export class StreamReadError extends Error {
  constructor(
    readonly kind: "ExpiredIterator" | "TrimmedDataAccess" | "ResourceNotFound" | "Throttled",
    message: string,
  ) {
    super(message);
    this.name = "StreamReadError";
  }
}
