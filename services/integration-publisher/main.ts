import { dynamoDbClient, snsClient } from "../config/aws-clients.js";
import { openChangeSource } from "../config/change-source.js";
import { int, logLevel, oneOf, optionalStr, readConfig, str } from "../config/env.js";
import { createLogger, stdoutDestination } from "../logging/logger.js";
import { consumerConfigDefaults } from "../streams/coordinator/config.js";
import { defaultWorkerId } from "../streams/coordinator/dynamodb-stream-worker.js";
import { runWorkerProcess } from "../streams/coordinator/worker-process.js";
import { createHeartbeat } from "../streams/health/heartbeat.js";
import { workerId } from "../streams/leases/lease.js";
import { createEmfMetrics } from "../streams/metrics/emf-metrics.js";
import { defaultBatchRetryPolicy } from "../streams/processing/retry-policy.js";
import { createIntegrationPublisher } from "./integration-publisher.js";
import {
  createEmfPublisherMetrics,
  PUBLISHER_NAMESPACE,
  PUBLISHER_SERVICE,
} from "./publisher-metrics.js";

const d = consumerConfigDefaults;
const config = readConfig(process.env, {
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  // The same change source as the read-model consumer (docs/integration-events.md).
  CHANGE_SOURCE: oneOf(["dynamodb-streams", "kinesis"]),
  KINESIS_STREAM: optionalStr(),
  KINESIS_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  PUBLISHER_LEASES_TABLE: str(),
  PUBLISHER_PARKED_TABLE: str(),
  // The SNS FIFO topic (the Copilot addon's output, injected as this variable).
  INTEGRATION_TOPIC_ARN: str(),
  // Development and tests only: a simulated SNS endpoint.
  SNS_ENDPOINT: optionalStr(),
  WORKER_ID: optionalStr(),
  LEASE_FAILOVER_MS: int(d.failoverMs, 1_000, 600_000),
  BATCH_SIZE: int(d.batchSize, 1, 1000),
  IDLE_POLL_MS: int(d.idlePollMs, 10, 10_000),
  BACKOFF_MS: int(d.backoffMs, 10, 60_000),
  MAX_BACKOFF_MS: int(d.maxBackoffMs, 10, 600_000),
  SHUTDOWN_GRACE_MS: int(d.shutdownGraceMs, 0, 120_000),
  HEALTH_PORT: int(8081, 0, 65535),
  HEALTH_MAX_SILENCE_MS: int(120_000, 1_000, 3_600_000),
  MAX_RETRIES: int(defaultBatchRetryPolicy.maxRetries, -1, 10_000),
  MAX_RECORD_AGE_SECONDS: int(defaultBatchRetryPolicy.maxRecordAgeMs / 1000, -1, 86_400),
  LOG_LEVEL: logLevel(),
});

const SERVICE = PUBLISHER_SERVICE;
const stdout = stdoutDestination();
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL, destination: stdout });

const aws = { endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION };
const dynamo = dynamoDbClient(aws);
const source = await openChangeSource(config, dynamo, logger);
const id = config.WORKER_ID ? workerId(config.WORKER_ID) : defaultWorkerId();
const write = (line: string) => stdout.write(`${line}\n`);
const heartbeat = createHeartbeat();
const worker = createIntegrationPublisher({
  workerId: id,
  ...source,
  dynamo,
  tables: { leases: config.PUBLISHER_LEASES_TABLE, parked: config.PUBLISHER_PARKED_TABLE },
  sns: snsClient({ endpoint: config.SNS_ENDPOINT, region: config.AWS_REGION }),
  topicArn: config.INTEGRATION_TOPIC_ARN,
  logger,
  metrics: createEmfMetrics({
    service: SERVICE,
    namespace: PUBLISHER_NAMESPACE,
    properties: { WorkerId: id },
    write,
  }),
  publisherMetrics: createEmfPublisherMetrics({
    service: SERVICE,
    properties: { WorkerId: id },
    write,
  }),
  heartbeat,
  retryPolicy: {
    maxRetries: config.MAX_RETRIES,
    maxRecordAgeMs: config.MAX_RECORD_AGE_SECONDS < 0 ? -1 : config.MAX_RECORD_AGE_SECONDS * 1000,
  },
  config: {
    failoverMs: config.LEASE_FAILOVER_MS,
    batchSize: config.BATCH_SIZE,
    idlePollMs: config.IDLE_POLL_MS,
    backoffMs: config.BACKOFF_MS,
    maxBackoffMs: config.MAX_BACKOFF_MS,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  },
});

const { healthPort } = await runWorkerProcess({
  name: SERVICE,
  worker,
  logger,
  heartbeat,
  healthPort: config.HEALTH_PORT,
  healthMaxSilenceMs: config.HEALTH_MAX_SILENCE_MS,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
});
logger.info(
  { workerId: worker.workerId, changeSource: config.CHANGE_SOURCE, healthPort },
  "integration-publisher started",
);
