import { dynamoDbClient } from "../config/aws-clients.js";
import { openChangeSource } from "../config/change-source.js";
import {
  databaseUrl,
  int,
  logLevel,
  oneOf,
  optionalStr,
  readConfig,
  schemaName,
  str,
  type VarSpec,
} from "../config/env.js";
import { DynamoDbEventStore } from "../event-store/dynamodb-event-store.js";
import { createLogger, stdoutDestination } from "../logging/logger.js";
import { openReadModel } from "../read-model/data-source.js";
import { consumerConfigDefaults } from "../streams/coordinator/config.js";
import { defaultWorkerId } from "../streams/coordinator/dynamodb-stream-worker.js";
import { runWorkerProcess } from "../streams/coordinator/worker-process.js";
import { createHeartbeat } from "../streams/health/heartbeat.js";
import { workerId } from "../streams/leases/lease.js";
import { createEmfMetrics } from "../streams/metrics/emf-metrics.js";
import { defaultBatchRetryPolicy } from "../streams/processing/retry-policy.js";
import { createReadModelConsumer } from "./read-model-consumer.js";

/** An integer setting whose default is derived elsewhere (undefined when not set). */
const optionalInt = (min: number, max: number): VarSpec<number | undefined> => ({
  parse: (raw, name) =>
    raw === undefined || raw === "" ? undefined : int(min, min, max).parse(raw, name),
});

const d = consumerConfigDefaults;
const config = readConfig(process.env, {
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  // Where the journal's changes are read: its DynamoDB stream, or the Kinesis data stream the
  // table streams into (KinesisStreamSpecification); docs/stream-consumer.md compares them.
  CHANGE_SOURCE: oneOf(["dynamodb-streams", "kinesis"]),
  KINESIS_STREAM: optionalStr(),
  KINESIS_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  LEASES_TABLE: str(),
  PARKED_TABLE: str(),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: schemaName(),
  WORKER_ID: optionalStr(),
  LEASE_FAILOVER_MS: int(d.failoverMs, 1_000, 600_000),
  LEASE_RENEW_INTERVAL_MS: optionalInt(100, 300_000),
  LEASE_TAKE_INTERVAL_MS: optionalInt(100, 600_000),
  MAX_LEASES_TO_STEAL: int(d.maxLeasesToStealAtOnce, 1, 100),
  // Unset: no cap (KCL's maxLeasesForWorker default).
  MAX_LEASES_FOR_WORKER: optionalInt(1, 100_000),
  SHARD_SYNC_INTERVAL_MS: int(d.shardSyncIntervalMs, 1_000, 3_600_000),
  BATCH_SIZE: int(d.batchSize, 1, 1000),
  IDLE_POLL_MS: int(d.idlePollMs, 10, 10_000),
  BACKOFF_MS: int(d.backoffMs, 10, 60_000),
  MAX_BACKOFF_MS: int(d.maxBackoffMs, 10, 600_000),
  SHARD_NOT_FOUND_ESCALATION_MS: int(d.notFoundEscalationMs, 1_000, 3_600_000),
  SHUTDOWN_GRACE_MS: int(d.shutdownGraceMs, 0, 120_000),
  // Health endpoint on 127.0.0.1: the container health check (manifest: 8081) runs in the task.
  HEALTH_PORT: int(8081, 0, 65535),
  // Longer than the shard-sync interval and the longest retry backoff.
  HEALTH_MAX_SILENCE_MS: int(120_000, 1_000, 3_600_000),
  MAX_RETRIES: int(defaultBatchRetryPolicy.maxRetries, -1, 10_000),
  MAX_RECORD_AGE_SECONDS: int(defaultBatchRetryPolicy.maxRecordAgeMs / 1000, -1, 86_400),
  LOG_LEVEL: logLevel(),
});

// One stream for the process: log lines and EMF metric lines both go to stdout.
const stdout = stdoutDestination();
const logger = createLogger({
  service: "stream-consumer",
  level: config.LOG_LEVEL,
  destination: stdout,
});

const aws = { endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION };
const dynamo = dynamoDbClient(aws);
const source = await openChangeSource(config, dynamo, logger);
const { client, streamArn } = source;
const id = config.WORKER_ID ? workerId(config.WORKER_ID) : defaultWorkerId();
const db = await openReadModel({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
const journal = new DynamoDbEventStore({ client: dynamo, journalTableName: config.JOURNAL_TABLE });
const metrics = createEmfMetrics({
  service: "stream-consumer",
  properties: { WorkerId: id },
  write: (line) => stdout.write(`${line}\n`),
});
const heartbeat = createHeartbeat();
const worker = createReadModelConsumer({
  workerId: id,
  client,
  streamArn,
  dynamo,
  tables: { leases: config.LEASES_TABLE, parked: config.PARKED_TABLE },
  db,
  schema: config.DATABASE_SCHEMA,
  journal,
  logger,
  metrics,
  heartbeat,
  retryPolicy: {
    maxRetries: config.MAX_RETRIES,
    maxRecordAgeMs: config.MAX_RECORD_AGE_SECONDS < 0 ? -1 : config.MAX_RECORD_AGE_SECONDS * 1000,
  },
  config: {
    failoverMs: config.LEASE_FAILOVER_MS,
    ...(config.LEASE_RENEW_INTERVAL_MS ? { renewIntervalMs: config.LEASE_RENEW_INTERVAL_MS } : {}),
    ...(config.LEASE_TAKE_INTERVAL_MS ? { takeIntervalMs: config.LEASE_TAKE_INTERVAL_MS } : {}),
    maxLeasesToStealAtOnce: config.MAX_LEASES_TO_STEAL,
    ...(config.MAX_LEASES_FOR_WORKER ? { maxLeasesForWorker: config.MAX_LEASES_FOR_WORKER } : {}),
    shardSyncIntervalMs: config.SHARD_SYNC_INTERVAL_MS,
    batchSize: config.BATCH_SIZE,
    idlePollMs: config.IDLE_POLL_MS,
    backoffMs: config.BACKOFF_MS,
    maxBackoffMs: config.MAX_BACKOFF_MS,
    notFoundEscalationMs: config.SHARD_NOT_FOUND_ESCALATION_MS,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  },
});
const { healthPort } = await runWorkerProcess({
  name: "stream-consumer",
  worker,
  logger,
  heartbeat,
  healthPort: config.HEALTH_PORT,
  healthMaxSilenceMs: config.HEALTH_MAX_SILENCE_MS,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  close: () => db.destroy(),
});
logger.info(
  {
    workerId: worker.workerId,
    changeSource: config.CHANGE_SOURCE,
    healthPort,
    config: worker.config,
  },
  "stream-consumer started",
);
