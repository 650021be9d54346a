import { issuerAccessControl } from "../auth/access.js";
import { authSettingsOf, authVariables } from "../auth/settings.js";
import { dynamoDbClient } from "../config/aws-clients.js";
import { int, logLevel, optionalStr, readConfig, str } from "../config/env.js";
import { DynamoDbItemRepository } from "../event-store/dynamodb-item-repository.js";
import { monitorEventLoop } from "../http/load-shedding.js";
import { httpProcess } from "../http/process.js";
import { createLogger } from "../logging/logger.js";
import { createCommandApi } from "./app.js";

// Token issuer settings are read with the rest: without them the task refuses to start.
const config = readConfig(process.env, {
  ...authVariables,
  PORT: int(3001, 1, 65535),
  LOG_LEVEL: logLevel(),
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  SNAPSHOTS_TABLE: str(),
  IDEMPOTENCY_TABLE: str(),
  STATE_CACHE_ITEMS: int(10_000, 0),
  SNAPSHOT_EVERY: int(100, 0),
  IDEMPOTENCY_TTL_SECONDS: int(86_400, 60),
  COMMAND_QUEUE_DEPTH: int(32, 1, 10_000),
  MAX_COMMANDS_IN_FLIGHT: int(256, 1, 100_000),
  MAX_COMMANDS_RUNNING: int(32, 1, 10_000),
  REQUEST_DEADLINE_MS: int(10_000, 100, 55_000),
  MAX_EVENT_LOOP_DELAY_MS: int(20, 1, 55_000),
  SHED_ABOVE_EVENT_LOOP_BUSY_PERCENT: int(90, 0, 100),
  SHUTDOWN_GRACE_MS: int(20_000, 0),
});
const auth = authSettingsOf(config);

const logger = createLogger({ service: "command-api", level: config.LOG_LEVEL });
const client = dynamoDbClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const repository = new DynamoDbItemRepository({
  client,
  logger,
  tableNames: {
    journal: config.JOURNAL_TABLE,
    snapshots: config.SNAPSHOTS_TABLE,
    idempotency: config.IDEMPOTENCY_TABLE,
  },
  snapshotEvery: config.SNAPSHOT_EVERY,
  idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
  ...(config.STATE_CACHE_ITEMS > 0 ? { cache: { maxItems: config.STATE_CACHE_ITEMS } } : {}),
});

const eventLoop = monitorEventLoop();
const shell = httpProcess({ name: "command-api", logger, graceMs: config.SHUTDOWN_GRACE_MS });
const app = createCommandApi({
  repository,
  access: issuerAccessControl(auth, { logger }),
  logger,
  admission: {
    maxDepth: config.COMMAND_QUEUE_DEPTH,
    maxInFlight: config.MAX_COMMANDS_IN_FLIGHT,
    maxRunning: config.MAX_COMMANDS_RUNNING,
  },
  requestDeadlineMs: config.REQUEST_DEADLINE_MS,
  shedding: {
    delay: eventLoop.delay,
    busy: eventLoop.busy,
    maxDelayMs: config.MAX_EVENT_LOOP_DELAY_MS,
    minBusy: config.SHED_ABOVE_EVENT_LOOP_BUSY_PERCENT / 100,
  },
  isDraining: shell.isDraining,
});
shell.serve(app, config.PORT, () => client.destroy());
