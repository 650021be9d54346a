import { serve } from "@hono/node-server";
import { databaseUrl, int, readConfig, str } from "../config/env.js";
import { openReadModel } from "../read-model/data-source.js";
import { PgVersionListener } from "../read-model/version-signal.js";
import { createQueryApi } from "./app.js";

const config = readConfig(process.env, {
  PORT: int(3002, 1, 65535),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: str("public"),
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
});
await versions.start();

const app = createQueryApi({
  db,
  versions,
  readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
});
const server = serve({ fetch: app.fetch, port: config.PORT }, (info) =>
  log("info", "query-api listening", { port: info.port }),
);

// SIGTERM (ECS stop): stop accepting, let in-flight requests finish, then close the pool.
let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log("info", "query-api stopping", { signal });
  setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS).unref();
  server.close(
    () =>
      void versions
        .stop()
        .then(() => db.destroy())
        .then(() => process.exit(0)),
  );
};
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
