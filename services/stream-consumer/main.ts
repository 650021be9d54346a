import { dynamoDbClient, dynamoDbStreamsClient } from "../aws/clients.js";
import {
  ConfigProblem,
  databaseUrl,
  int,
  optionalStr,
  readConfig,
  str,
  type VarSpec,
} from "../config/env.js";
import { DynamoDbEventStore } from "../event-store/dynamodb-event-store.js";
import { openReadModel } from "../read-model/data-source.js";
import { readModelHandler } from "../read-model/stream-handler.js";
import { consumerConfigDefaults } from "../streams/coordinator/config.js";
import { startDynamoDbStreamWorker } from "../streams/coordinator/dynamodb-stream-worker.js";
import { workerId } from "../streams/leases/lease.js";
import { simpleProcessBatch } from "../streams/processing/contract.js";
import { streamArnOf } from "../tables/provision.js";

/** An integer setting whose default is derived elsewhere (undefined when not set). */
const optionalInt = (min: number, max: number): VarSpec<number | undefined> => ({
  parse: (raw, name) => {
    if (raw === undefined || raw === "") return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max
      ? n
      : new ConfigProblem(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  },
});

const d = consumerConfigDefaults;
const config = readConfig(process.env, {
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  LEASES_TABLE: str(),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: str("public"),
  WORKER_ID: optionalStr(),
  LEASE_FAILOVER_MS: int(d.failoverMs, 1_000, 600_000),
  LEASE_RENEW_INTERVAL_MS: optionalInt(100, 300_000),
  LEASE_TAKE_INTERVAL_MS: optionalInt(100, 600_000),
  MAX_LEASES_TO_STEAL: int(d.maxLeasesToStealAtOnce, 1, 100),
  SHARD_SYNC_INTERVAL_MS: int(d.shardSyncIntervalMs, 1_000, 3_600_000),
  BATCH_SIZE: int(d.batchSize, 1, 1000),
  IDLE_POLL_MS: int(d.idlePollMs, 10, 10_000),
  BACKOFF_MS: int(d.backoffMs, 10, 60_000),
  SHUTDOWN_GRACE_MS: int(d.shutdownGraceMs, 0, 120_000),
});

const log = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level, msg, ...fields }));

const aws = { endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION };
const dynamo = dynamoDbClient(aws);
const db = await openReadModel({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
const journal = new DynamoDbEventStore({ client: dynamo, journalTableName: config.JOURNAL_TABLE });
const worker = await startDynamoDbStreamWorker({
  dynamo,
  streams: dynamoDbStreamsClient(aws),
  leasesTableName: config.LEASES_TABLE,
  streamArn: await streamArnOf(dynamo, config.JOURNAL_TABLE),
  ...(config.WORKER_ID ? { workerId: workerId(config.WORKER_ID) } : {}),
  processBatch: simpleProcessBatch(
    readModelHandler({ db, journal, schema: config.DATABASE_SCHEMA }),
  ),
  config: {
    failoverMs: config.LEASE_FAILOVER_MS,
    ...(config.LEASE_RENEW_INTERVAL_MS ? { renewIntervalMs: config.LEASE_RENEW_INTERVAL_MS } : {}),
    ...(config.LEASE_TAKE_INTERVAL_MS ? { takeIntervalMs: config.LEASE_TAKE_INTERVAL_MS } : {}),
    maxLeasesToStealAtOnce: config.MAX_LEASES_TO_STEAL,
    shardSyncIntervalMs: config.SHARD_SYNC_INTERVAL_MS,
    batchSize: config.BATCH_SIZE,
    idlePollMs: config.IDLE_POLL_MS,
    backoffMs: config.BACKOFF_MS,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  },
  onError: (e, during) => log("error", `stream consumer: ${during}`, { error: String(e) }),
});
log("info", "stream-consumer started", { workerId: worker.workerId, config: worker.config });

// ECS sends SIGTERM, then SIGKILL ~30 s later: finish the batch, checkpoint, release leases.
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log("info", "stream-consumer stopping", { signal });
  await worker.shutdown();
  await db.destroy();
  log("info", "stream-consumer stopped: leases released");
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
