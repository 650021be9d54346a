/**
 * Why a shard's read was retried after a backoff: a StreamReadError kind, TrimmedDataAccess while
 * nothing was committed yet, a shard still listed but not found, or anything else.
 */
export type ReadErrorKind =
  | "ExpiredIterator"
  | "TrimmedDataAccess"
  | "TrimmedAtTrimHorizon"
  | "ResourceNotFound"
  | "ShardNotFound"
  | "Throttled"
  | "Unexpected";

/**
 * What the stream consumer reports. The production implementation writes CloudWatch Embedded
 * Metric Format lines; tests can count calls.
 */
export interface ConsumerMetrics {
  recordsProcessed(shardId: string, count: number): void;
  batchProcessed(shardId: string, millisBehindLatest: number): void;
  leasesHeld(count: number): void;
  leaseTaken(shardId: string, stolen: boolean): void;
  leaseLost(shardId: string): void;
  retry(shardId: string): void;
  parked(aggregateKey: string, count: number): void;
  /** The shard's checkpoint is older than the stream's retention: data was lost from the stream. */
  trimmed(shardId: string, checkpoint: string): void;
  /** A read failed and is retried after a backoff (every repeated read error has one). */
  readRetried(shardId: string, kind: ReadErrorKind): void;
  /** A shard still listed has answered ResourceNotFound for longer than the escalation bound. */
  shardNotFoundEscalated(shardId: string): void;
}

export const noMetrics: ConsumerMetrics = {
  recordsProcessed: () => {},
  batchProcessed: () => {},
  leasesHeld: () => {},
  leaseTaken: () => {},
  leaseLost: () => {},
  retry: () => {},
  parked: () => {},
  trimmed: () => {},
  readRetried: () => {},
  shardNotFoundEscalated: () => {},
};
