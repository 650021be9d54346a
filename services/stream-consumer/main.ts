import { dynamoDbClient } from "../config/aws-clients.js";
import { openChangeSource } from "../config/change-source.js";
import { databaseUrl, int, readConfig, schemaName, str, type VarSpec } from "../config/env.js";
import { DynamoDbEventStore } from "../event-store/dynamodb-event-store.js";
import { createLogger, stdoutDestination } from "../logging/logger.js";
import { openReadModel } from "../read-model/data-source.js";
import { consumerConfigDefaults } from "../streams/coordinator/config.js";
import { runWorkerProcess } from "../streams/coordinator/worker-process.js";
import {
  streamWorkerSettings,
  streamWorkerVariables,
} from "../streams/coordinator/worker-variables.js";
import { createHeartbeat } from "../streams/health/heartbeat.js";
import { createEmfMetrics } from "../streams/metrics/emf-metrics.js";
import { createReadModelConsumer } from "./read-model-consumer.js";

/** An integer setting whose default is derived elsewhere (undefined when not set). */
const optionalInt = (min: number, max: number): VarSpec<number | undefined> => ({
  parse: (raw, name) =>
    raw === undefined || raw === "" ? undefined : int(min, min, max).parse(raw, name),
});

const d = consumerConfigDefaults;
const config = readConfig(process.env, {
  ...streamWorkerVariables,
  LEASES_TABLE: str(),
  PARKED_TABLE: str(),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: schemaName(),
  LEASE_RENEW_INTERVAL_MS: optionalInt(100, 300_000),
  LEASE_TAKE_INTERVAL_MS: optionalInt(100, 600_000),
  MAX_LEASES_TO_STEAL: int(d.maxLeasesToStealAtOnce, 1, 100),
  // Unset: no cap (KCL's maxLeasesForWorker default).
  MAX_LEASES_FOR_WORKER: optionalInt(1, 100_000),
  SHARD_SYNC_INTERVAL_MS: int(d.shardSyncIntervalMs, 1_000, 3_600_000),
  SHARD_NOT_FOUND_ESCALATION_MS: int(d.notFoundEscalationMs, 1_000, 3_600_000),
});
const settings = streamWorkerSettings(config);

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
const id = settings.workerId;
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
  retryPolicy: settings.retryPolicy,
  config: {
    ...settings.config,
    ...(config.LEASE_RENEW_INTERVAL_MS ? { renewIntervalMs: config.LEASE_RENEW_INTERVAL_MS } : {}),
    ...(config.LEASE_TAKE_INTERVAL_MS ? { takeIntervalMs: config.LEASE_TAKE_INTERVAL_MS } : {}),
    maxLeasesToStealAtOnce: config.MAX_LEASES_TO_STEAL,
    ...(config.MAX_LEASES_FOR_WORKER ? { maxLeasesForWorker: config.MAX_LEASES_FOR_WORKER } : {}),
    shardSyncIntervalMs: config.SHARD_SYNC_INTERVAL_MS,
    notFoundEscalationMs: config.SHARD_NOT_FOUND_ESCALATION_MS,
  },
});
const { healthPort } = await runWorkerProcess({
  name: "stream-consumer",
  worker,
  logger,
  heartbeat,
  ...settings.process,
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
