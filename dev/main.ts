import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createCommandApi } from "../services/command-api/app.js";
import { dynamoDbClient, dynamoDbStreamsClient } from "../services/config/aws-clients.js";
import { int, optionalStr, readConfig, str } from "../services/config/env.js";
import { DynamoDbEventStore } from "../services/event-store/dynamodb-event-store.js";
import { DynamoDbItemRepository } from "../services/event-store/dynamodb-item-repository.js";
import { createQueryApi } from "../services/query-api/app.js";
import { openReadModel } from "../services/read-model/data-source.js";
import { readModelHandler } from "../services/read-model/stream-handler.js";
import { InProcessVersionSignal } from "../services/read-model/version-signal.js";
import { startDynamoDbStreamWorker } from "../services/streams/coordinator/dynamodb-stream-worker.js";
import { simpleProcessBatch } from "../services/streams/processing/process-batch.js";
import { allTables } from "../services/tables/definitions.js";
import { ensureTables, streamArnOf } from "../services/tables/provision.js";
import { startLocalInfrastructure } from "./local-infrastructure.js";

// The whole stack in one process for development: DynamoDB Local and embedded Postgres unless
// DYNAMODB_ENDPOINT / DATABASE_URL point elsewhere, and both APIs behind one base URL.
const config = readConfig(process.env, {
  PORT: int(3000, 1, 65535),
  DYNAMODB_ENDPOINT: optionalStr(),
  DATABASE_URL: optionalStr(),
  TABLE_PREFIX: str("item-service-"),
});

const log = (msg: string) => console.log(msg);
const stops: Array<() => Promise<unknown>> = [];

const local = await startLocalInfrastructure({
  dynamodbEndpoint: config.DYNAMODB_ENDPOINT,
  databaseUrl: config.DATABASE_URL,
});
stops.unshift(local.stop);
const { dynamodbEndpoint: endpoint, databaseUrl: url, embeddedPostgres } = local;
log(`DynamoDB: ${endpoint}${config.DYNAMODB_ENDPOINT ? "" : " (DynamoDB Local, in memory)"}`);
log(
  `Postgres: ${url.replace(/\/\/[^@]*@/, "//***@")}${embeddedPostgres ? " (embedded PGlite)" : ""}`,
);

const aws = { endpoint, region: "us-east-1" };
const dynamo = dynamoDbClient(aws);
const names = await ensureTables(dynamo, config.TABLE_PREFIX, allTables);
// PGlite serves every connection from one backend and can interleave concurrent queries: one connection.
const db = await openReadModel({ url, poolSize: embeddedPostgres ? 1 : 10 });
stops.unshift(() => db.destroy());

const store = new DynamoDbEventStore({ client: dynamo, journalTableName: names.journal ?? "" });
// Read-your-writes waiters hear the projector in-process (PGlite delivers no NOTIFY across connections).
const versions = new InProcessVersionSignal();
const consumer = await startDynamoDbStreamWorker({
  dynamo,
  streams: dynamoDbStreamsClient(aws),
  leasesTableName: names.leases ?? "",
  streamArn: await streamArnOf(dynamo, names.journal ?? ""),
  processBatch: simpleProcessBatch(
    readModelHandler({ db, journal: store, onCommitted: versions.publish }),
  ),
  // One local worker: a short failover lets a restarted stack take its old leases quickly.
  config: { failoverMs: 3_000, idlePollMs: 50 },
  onError: (e, during) =>
    console.error(`consumer (${during}): ${e instanceof Error ? e.message : String(e)}`),
});
stops.unshift(() => consumer.shutdown());

const app = new Hono()
  .route(
    "/",
    createCommandApi({
      repository: new DynamoDbItemRepository({
        client: dynamo,
        tableNames: {
          journal: names.journal ?? "",
          snapshots: names.snapshots ?? "",
          idempotency: names.idempotency ?? "",
        },
        cache: { maxItems: 10_000 },
      }),
    }),
  )
  .route("/", createQueryApi({ db, versions }));
const server = serve({ fetch: app.fetch, port: config.PORT });
stops.unshift(() => new Promise((r) => server.close(r)));

const base = `http://localhost:${config.PORT}`;
log(`\nItem service ready at ${base}\n
  curl -si -X POST ${base}/commands/items -H 'content-type: application/json' -d '{"name":"Tea","price":450}'
  curl -s ${base}/queries/items/<itemId>\n
Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  for (const stop of stops) await stop().catch((e) => console.error(e));
  process.exit(0);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
