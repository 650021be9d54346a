import { serve } from "@hono/node-server";
import { databaseUrl, int, readConfig, str } from "../config/env.js";
import { openReadModel } from "../read-model/data-source.js";
import { createQueryApi } from "./app.js";

const config = readConfig(process.env, {
  PORT: int(3002, 1, 65535),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: str("public"),
});

const db = await openReadModel({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
const app = createQueryApi({ db });
const server = serve({ fetch: app.fetch, port: config.PORT }, (info) =>
  console.log(JSON.stringify({ level: "info", msg: "query-api listening", port: info.port })),
);

const shutdown = () => server.close(() => void db.destroy().then(() => process.exit(0)));
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
