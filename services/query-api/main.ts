import { serve } from "@hono/node-server";
import { databaseUrl, int, readConfig, schemaName } from "../config/env.js";
import { drain } from "../http/graceful-shutdown.js";
import { openReadModel } from "../read-model/data-source.js";
import { PgVersionListener } from "../read-model/version-signal.js";
import { createQueryApi } from "./app.js";

const config = readConfig(process.env, {
  PORT: int(3002, 1, 65535),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: schemaName(),
  DATABASE_POOL_SIZE: int(10, 1, 100),
  READ_YOUR_WRITES_TIMEOUT_MS: int(2000, 0, 30_000),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 120_000),
});

const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level, msg, ...extra }));

// Migrations run here too (advisory-locked), so whichever task starts first prepares the schema.
const db = await openReadModel({
  url: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  poolSize: config.DATABASE_POOL_SIZE,
});
const versions = new PgVersionListener({
  url: config.DATABASE_URL,
  schema: config.DATABASE_SCHEMA,
  onError: (e) => log("warn", "version listener", { error: String(e) }),
  onListening: () => log("info", "version listener listening"),
});
await versions.start();

let draining = false;
const app = createQueryApi({
  db,
  versions,
  readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
  isDraining: () => draining,
});
const server = serve({ fetch: app.fetch, port: config.PORT }, (info) =>
  log("info", "query-api listening", { port: info.port }),
);

const closeQuietly = (what: string) => (e: unknown) =>
  log("warn", `closing ${what} failed`, { error: String(e) });

// SIGTERM (ECS stop, Ctrl-C): health turns 503, no new connections, in-flight requests finish,
// then the listener and the pool close.
const shutdown = async (signal: string) => {
  if (draining) return;
  draining = true;
  log("info", "draining", { signal, graceMs: config.SHUTDOWN_GRACE_MS });
  const how = await drain(server, { graceMs: config.SHUTDOWN_GRACE_MS });
  await versions.stop().catch(closeQuietly("version listener"));
  await db.destroy().catch(closeQuietly("read model pool"));
  log("info", "stopped", { how });
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
