import { serve } from "@hono/node-server";
import { dynamoDbClient } from "../config/aws-clients.js";
import { int, optionalStr, readConfig, str } from "../config/env.js";
import { DynamoDbItemRepository } from "../event-store/dynamodb-item-repository.js";
import { drain } from "../http/graceful-shutdown.js";
import { jsonLog } from "../http/request-log.js";
import { createCommandApi } from "./app.js";

const config = readConfig(process.env, {
  PORT: int(3001, 1, 65535),
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  SNAPSHOTS_TABLE: str(),
  IDEMPOTENCY_TABLE: str(),
  STATE_CACHE_ITEMS: int(10_000, 0),
  SNAPSHOT_EVERY: int(100, 0),
  IDEMPOTENCY_TTL_SECONDS: int(86_400, 60),
  SHUTDOWN_GRACE_MS: int(20_000, 0),
});

const client = dynamoDbClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const repository = new DynamoDbItemRepository({
  client,
  tableNames: {
    journal: config.JOURNAL_TABLE,
    snapshots: config.SNAPSHOTS_TABLE,
    idempotency: config.IDEMPOTENCY_TABLE,
  },
  snapshotEvery: config.SNAPSHOT_EVERY,
  idempotencyTtlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
  ...(config.STATE_CACHE_ITEMS > 0 ? { cache: { maxItems: config.STATE_CACHE_ITEMS } } : {}),
});

let draining = false;
const app = createCommandApi({ repository, isDraining: () => draining });
const server = serve({ fetch: app.fetch, port: config.PORT }, (info) =>
  jsonLog({ level: "info", msg: "command-api listening", port: info.port }),
);

// SIGTERM (ECS stop, Ctrl-C): health turns 503, no new connections, in-flight requests finish.
const shutdown = async (signal: string) => {
  if (draining) return;
  draining = true;
  jsonLog({ level: "info", msg: "draining", signal, graceMs: config.SHUTDOWN_GRACE_MS });
  const how = await drain(server, { graceMs: config.SHUTDOWN_GRACE_MS });
  jsonLog({ level: "info", msg: "stopped", how });
  client.destroy();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
