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
};
