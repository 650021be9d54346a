/**
 * Stream consumer settings. Defaults follow KCL where it has one, except where noted; every
 * interval is in milliseconds. Documented in docs/stream-consumer.md.
 */
export interface ConsumerConfig {
  /** A lease whose counter does not move for this long (by the observer's clock) is expired. */
  readonly failoverMs: number;
  /** How often held leases are renewed (KCL: failover / 3). */
  readonly renewIntervalMs: number;
  /**
   * How often the lease table is scanned to take or steal leases. Default failover / 5 (KCL:
   * 2 × failover): a released lease is taken within one renew interval, and a dead worker's
   * lease within failover + one take interval (the next scan is also timed to the moment a
   * stalled lease expires).
   */
  readonly takeIntervalMs: number;
  /** How often DescribeStream is read to create leases for new shards. */
  readonly shardSyncIntervalMs: number;
  readonly maxLeasesToStealAtOnce: number;
  /** GetRecords limit (DynamoDB Streams maximum: 1000). */
  readonly batchSize: number;
  /** Sleep after an empty GetRecords (≤ 250 ms keeps within 2 readers × 5 calls/s per shard). */
  readonly idlePollMs: number;
  /** Wait after a failed batch; the first delay of a run of read errors (then doubled, jittered). */
  readonly backoffMs: number;
  /** Cap of the read-error backoff. */
  readonly maxBackoffMs: number;
  /** A shard listed but answering ResourceNotFound this long is escalated (log, metric, health). */
  readonly notFoundEscalationMs: number;
  /** Most leases one worker holds (KCL: maxLeasesForWorker); unlimited by default. */
  readonly maxLeasesForWorker: number;
  /** How often a child waiting for its parents re-reads their leases. */
  readonly parentPollMs: number;
  /** On shutdown, how long in-flight batches may run before their leases are released anyway. */
  readonly shutdownGraceMs: number;
}

export const consumerConfigDefaults = Object.freeze({
  failoverMs: 10_000,
  shardSyncIntervalMs: 60_000,
  maxLeasesToStealAtOnce: 1,
  batchSize: 1000,
  idlePollMs: 250,
  backoffMs: 500,
  // A read that keeps failing is retried at least every 5 s (10× fewer calls than a 500 ms loop).
  maxBackoffMs: 5_000,
  notFoundEscalationMs: 60_000,
  maxLeasesForWorker: Number.MAX_SAFE_INTEGER,
  parentPollMs: 1_000,
  shutdownGraceMs: 20_000,
});

/** Defaults merged under the given settings; intervals derived from failoverMs when absent. */
export const resolveConsumerConfig = (given: Partial<ConsumerConfig> = {}): ConsumerConfig => {
  const failoverMs = given.failoverMs ?? consumerConfigDefaults.failoverMs;
  const config: ConsumerConfig = {
    ...consumerConfigDefaults,
    renewIntervalMs: Math.floor(failoverMs / 3),
    takeIntervalMs: Math.floor(failoverMs / 5),
    ...given,
  };
  const problems = consumerConfigProblems(config);
  if (problems.length > 0)
    throw new Error(`invalid stream consumer configuration: ${problems.join("; ")}`);
  return config;
};

/** Settings that would break the lease protocol or the stream's limits. */
const consumerConfigProblems = (c: ConsumerConfig): string[] => {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(c))
    if (!Number.isInteger(value) || value < 0) problems.push(`${name} must be a whole number ≥ 0`);
  if (c.failoverMs < 100) problems.push("failoverMs must be at least 100");
  if (c.renewIntervalMs < 1 || c.renewIntervalMs * 2 > c.failoverMs)
    problems.push(
      "renewIntervalMs must be ≥ 1 and at most half of failoverMs (a lease needs two chances to renew)",
    );
  if (c.takeIntervalMs < 1) problems.push("takeIntervalMs must be ≥ 1");
  if (c.batchSize < 1 || c.batchSize > 1000) problems.push("batchSize must be between 1 and 1000");
  if (c.maxLeasesToStealAtOnce < 1) problems.push("maxLeasesToStealAtOnce must be ≥ 1");
  if (c.maxLeasesForWorker < 1) problems.push("maxLeasesForWorker must be ≥ 1");
  if (c.shardSyncIntervalMs < 1) problems.push("shardSyncIntervalMs must be ≥ 1");
  return problems;
};
