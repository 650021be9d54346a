import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export interface ShardDescription {
  readonly shardId: string;
  readonly parentShardId?: string;
  /** The second parent of a merged shard (Kinesis MergeShards); DynamoDB Streams never sets it. */
  readonly adjacentParentShardId?: string;
  readonly startingSequenceNumber?: string;
  /** Present once the shard is closed: nothing will be written to it any more. */
  readonly endingSequenceNumber?: string;
}

/** A shard as the SDKs describe it (DynamoDB Streams' DescribeStream, Kinesis's ListShards). */
export interface SdkShard {
  readonly ShardId?: string | undefined;
  readonly ParentShardId?: string | undefined;
  readonly AdjacentParentShardId?: string | undefined;
  readonly SequenceNumberRange?:
    | {
        readonly StartingSequenceNumber?: string | undefined;
        readonly EndingSequenceNumber?: string | undefined;
      }
    | undefined;
}

/** The port's description of an SDK's shard: none for a shard without an id. */
export const shardDescriptions = (s: SdkShard): ShardDescription[] => {
  if (!s.ShardId) return [];
  const range = s.SequenceNumberRange;
  return [
    {
      shardId: s.ShardId,
      ...(s.ParentShardId ? { parentShardId: s.ParentShardId } : {}),
      ...(s.AdjacentParentShardId ? { adjacentParentShardId: s.AdjacentParentShardId } : {}),
      ...(range?.StartingSequenceNumber
        ? { startingSequenceNumber: range.StartingSequenceNumber }
        : {}),
      ...(range?.EndingSequenceNumber ? { endingSequenceNumber: range.EndingSequenceNumber } : {}),
    },
  ];
};

/** Every item of a paged listing: `page` answers one page's items and the next page's token. */
export const allPages = async <T>(
  page: (token: string | undefined) => Promise<{ items: readonly T[]; next?: string | undefined }>,
): Promise<T[]> => {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const answer = await page(token);
    items.push(...answer.items);
    token = answer.next;
  } while (token);
  return items;
};

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
  | { readonly type: "AT_SEQUENCE_NUMBER"; readonly sequenceNumber: string }
  /** Kinesis only (DynamoDB Streams has no such iterator): the first record at or after it. */
  | { readonly type: "AT_TIMESTAMP"; readonly timestamp: Date };

export interface RecordsPage {
  readonly records: readonly StreamRecord[];
  /** Absent when the shard is closed and fully read (SHARD_END). */
  readonly nextIterator?: string;
  /** Kinesis: how far this read is behind the tip of the shard (the lag metric). */
  readonly millisBehindLatest?: number;
  /** Kinesis at SHARD_END, when the service returns them: the children and all their parents. */
  readonly childShards?: readonly ShardDescription[];
}

/** A shard's parents: one after a split, two after a merge, none for an original shard. */
export const parentIdsOf = (shard: ShardDescription): string[] =>
  [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => p !== undefined);

/**
 * The small port the consumer reads streams through: the AWS SDK implementations talk to
 * DynamoDB Streams (or DynamoDB Local) and Kinesis Data Streams (or kinesalite); a simulated
 * stream implements it for model tests. `streamArn` names the stream (a Kinesis stream's ARN).
 * Errors: `ExpiredIterator` → reopen from the last processed sequence number;
 * `TrimmedDataAccess` → the position is older than retention (never skip silently);
 * `Throttled` (throttling, ProvisionedThroughputExceeded, LimitExceeded) → back off, retry.
 */
export interface StreamClient {
  listShards(streamArn: string): Promise<readonly ShardDescription[]>;
  getShardIterator(streamArn: string, shardId: string, position: IteratorPosition): Promise<string>;
  getRecords(iterator: string, limit: number): Promise<RecordsPage>;
}

export type StreamReadErrorKind =
  | "ExpiredIterator"
  | "TrimmedDataAccess"
  | "ResourceNotFound"
  | "Throttled";

export class StreamReadError extends Error {
  constructor(
    readonly kind: StreamReadErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "StreamReadError";
  }
}

/** The iterator GetShardIterator answered; none is ResourceNotFound (the shard is gone). */
export const iteratorOrNotFound = (shardId: string, iterator: string | undefined): string => {
  if (!iterator) throw new StreamReadError("ResourceNotFound", `no iterator for ${shardId}`);
  return iterator;
};

/**
 * An SDK's error translator: its exception classes mapped to kinds. ThrottlingException, the
 * common AWS error that no stream SDK models as a class, is matched by name; anything else is
 * rethrown as it is.
 */
export const streamReadErrors =
  (
    kinds: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, StreamReadErrorKind]>,
  ) =>
  (e: unknown): never => {
    for (const [type, kind] of kinds)
      if (e instanceof type) throw new StreamReadError(kind, e.message);
    if (e instanceof Error && e.name === "ThrottlingException")
      throw new StreamReadError("Throttled", e.message);
    throw e;
  };
