import { issuerAccessControl } from "../auth/access.js";
import { authSettingsOf, authVariables } from "../auth/settings.js";
import { databaseUrl, int, logLevel, readConfig, schemaName } from "../config/env.js";
import { httpProcess } from "../http/process.js";
import { createLogger } from "../logging/logger.js";
import { openHealthProbe, openReadModel } from "../read-model/data-source.js";
import { PgVersionListener } from "../read-model/version-signal.js";
import { createQueryApi } from "./app.js";

// Token issuer settings are read with the rest: without them the task refuses to start.
const config = readConfig(process.env, {
  ...authVariables,
  PORT: int(3002, 1, 65535),
  LOG_LEVEL: logLevel(),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: schemaName(),
  DATABASE_POOL_SIZE: int(10, 1, 100),
  DATABASE_POOL_TIMEOUT_MS: int(1_000, 10, 60_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(3_000, 10, 60_000),
  READ_YOUR_WRITES_TIMEOUT_MS: int(2000, 0, 30_000),
  READ_YOUR_WRITES_MAX_WAITERS: int(1_000, 1, 100_000),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 120_000),
});
const auth = authSettingsOf(config);

const logger = createLogger({ service: "query-api", level: config.LOG_LEVEL });

// Migrations run here too (advisory-locked), so whichever task starts first prepares the schema.
const db = await openReadModel({
  url: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  poolSize: config.DATABASE_POOL_SIZE,
  poolTimeoutMs: config.DATABASE_POOL_TIMEOUT_MS,
  statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
});
// A connection of its own: a saturated query pool cannot starve the health check.
const health = openHealthProbe({
  url: config.DATABASE_URL,
  timeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
});
const versions = new PgVersionListener({
  url: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  onError: (e) => logger.warn({ err: e }, "version listener"),
  onListening: () => logger.info("version listener listening"),
});
await versions.start();

const shell = httpProcess({ name: "query-api", logger, graceMs: config.SHUTDOWN_GRACE_MS });
const app = createQueryApi({
  db,
  versions,
  access: issuerAccessControl(auth, { logger }),
  logger,
  readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
  maxVersionWaiters: config.READ_YOUR_WRITES_MAX_WAITERS,
  databaseAnswers: health.answers,
  isDraining: shell.isDraining,
});

const closeQuietly = (what: string) => (e: unknown) =>
  logger.warn({ err: e }, `closing ${what} failed`);

// Once no request runs: the listener and the pools.
shell.serve(app, config.PORT, async () => {
  await versions.stop().catch(closeQuietly("version listener"));
  await health.close().catch(closeQuietly("health probe"));
  await db.destroy().catch(closeQuietly("read model pool"));
});
