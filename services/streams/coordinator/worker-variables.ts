import { type ConfigOf, int, logLevel, oneOf, optionalStr, str } from "../../config/env.js";
import { workerId } from "../leases/lease.js";
import { defaultBatchRetryPolicy } from "../processing/retry-policy.js";
import { consumerConfigDefaults as d } from "./config.js";
import { defaultWorkerId } from "./dynamodb-stream-worker.js";

/**
 * The variables both stream applications read (change source, worker, batch loop, retries,
 * health, shutdown): spread into each main.ts's `readConfig` spec beside its own.
 */
export const streamWorkerVariables = {
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  // Where the journal's changes are read: its DynamoDB stream, or the Kinesis data stream the
  // table streams into (KinesisStreamSpecification); docs/stream-consumer.md compares them.
  CHANGE_SOURCE: oneOf(["dynamodb-streams", "kinesis"]),
  KINESIS_STREAM: optionalStr(),
  KINESIS_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  WORKER_ID: optionalStr(),
  LEASE_FAILOVER_MS: int(d.failoverMs, 1_000, 600_000),
  BATCH_SIZE: int(d.batchSize, 1, 1000),
  IDLE_POLL_MS: int(d.idlePollMs, 10, 10_000),
  BACKOFF_MS: int(d.backoffMs, 10, 60_000),
  MAX_BACKOFF_MS: int(d.maxBackoffMs, 10, 600_000),
  SHUTDOWN_GRACE_MS: int(d.shutdownGraceMs, 0, 120_000),
  // Health endpoint on 127.0.0.1: the container health check (manifest: 8081) runs in the task.
  HEALTH_PORT: int(8081, 0, 65535),
  // Longer than the shard-sync interval and the longest retry backoff.
  HEALTH_MAX_SILENCE_MS: int(120_000, 1_000, 3_600_000),
  MAX_RETRIES: int(defaultBatchRetryPolicy.maxRetries, -1, 10_000),
  MAX_RECORD_AGE_SECONDS: int(defaultBatchRetryPolicy.maxRecordAgeMs / 1000, -1, 86_400),
  LOG_LEVEL: logLevel(),
};

/**
 * What those variables set: the worker's id, retry policy and batch-loop settings, and the
 * process shell's health and shutdown settings (for runWorkerProcess).
 */
export const streamWorkerSettings = (c: ConfigOf<typeof streamWorkerVariables>) => ({
  workerId: c.WORKER_ID ? workerId(c.WORKER_ID) : defaultWorkerId(),
  retryPolicy: {
    maxRetries: c.MAX_RETRIES,
    maxRecordAgeMs: c.MAX_RECORD_AGE_SECONDS < 0 ? -1 : c.MAX_RECORD_AGE_SECONDS * 1000,
  },
  config: {
    failoverMs: c.LEASE_FAILOVER_MS,
    batchSize: c.BATCH_SIZE,
    idlePollMs: c.IDLE_POLL_MS,
    backoffMs: c.BACKOFF_MS,
    maxBackoffMs: c.MAX_BACKOFF_MS,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
  },
  process: {
    healthPort: c.HEALTH_PORT,
    healthMaxSilenceMs: c.HEALTH_MAX_SILENCE_MS,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
  },
});
