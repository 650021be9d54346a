/**
 * Every price the cost model uses, in one place. Region us-east-1 (N. Virginia), on-demand, no
 * free tier, no savings plans. Taken 2026-12-01 from the figures AWS publishes on its pricing
 * pages (dynamodb/pricing, fargate/pricing, rds/aurora/pricing); this machine has no internet,
 * so they were not re-read online that day: check them before you budget, and edit them here.
 */
export const PRICES = Object.freeze({
  region: "us-east-1",
  takenOn: "2026-12-01",
  /** DynamoDB on-demand, Standard table class: per million write / read request units. */
  dynamoDbWriteUnitPerMillion: 0.625,
  dynamoDbReadUnitPerMillion: 0.125,
  /** DynamoDB storage, Standard table class, per GB-month (first 25 GB free: ignored). */
  dynamoDbStorageGbMonth: 0.25,
  /** DynamoDB Streams GetRecords (not from Lambda): per million stream read request units. */
  streamsReadRequestPerMillion: 0.2,
  /** Fargate, Linux/x86: per vCPU-hour and per GB-hour. */
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  /** Aurora Serverless v2 (Aurora Standard, PostgreSQL): per ACU-hour. */
  auroraAcuHour: 0.12,
});

export type Prices = typeof PRICES;

/**
 * Not prices but assumptions the model needs, each a number to change here, with why.
 */
export const ASSUMPTIONS = Object.freeze({
  hoursPerMonth: 730,
  /** Fargate tasks scale out at this CPU share (the manifests' `cpu_percentage: 70`). */
  targetCpuShare: 0.7,
  /**
   * vCPU per Aurora capacity unit. AWS defines an ACU as ≈ 2 GiB of memory "with corresponding
   * CPU"; 8 ACUs ≈ one r6g.large (2 vCPU, 16 GiB) gives 0.25.
   */
  vcpuPerAcu: 0.25,
  /**
   * Stream shards of the journal: an on-demand table starts with capacity for 4,000 writes/s,
   * i.e. 4 partitions (one shard each); one more per 1,000 write units/s beyond that.
   */
  minShards: 4,
  writeUnitsPerShardPerSecond: 1000,
  /**
   * One busy poll cycle of a shard on AWS (GetRecords round trip + projecting the page): while
   * records keep coming the consumer polls again at once, so at most 1000 / this per second.
   */
  busyPollCycleMs: 25,
  /** Bytes a journal row takes in storage beyond its attributes (AWS: 100 per item). */
  storageOverheadBytes: 100,
});

export type Assumptions = typeof ASSUMPTIONS;
