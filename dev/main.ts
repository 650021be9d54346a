import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { issuerAccessControl } from "../services/auth/access.js";
import { createCommandApi } from "../services/command-api/app.js";
import { dynamoDbClient, dynamoDbStreamsClient } from "../services/config/aws-clients.js";
import { int, logLevel, oneOf, optionalStr, readConfig, str } from "../services/config/env.js";
import { DynamoDbEventStore } from "../services/event-store/dynamodb-event-store.js";
import { DynamoDbItemRepository } from "../services/event-store/dynamodb-item-repository.js";
import { createLogger } from "../services/logging/logger.js";
import { createQueryApi } from "../services/query-api/app.js";
import { openReadModel } from "../services/read-model/data-source.js";
import { InProcessVersionSignal } from "../services/read-model/version-signal.js";
import { createReadModelConsumer } from "../services/stream-consumer/read-model-consumer.js";
import { defaultWorkerId } from "../services/streams/coordinator/dynamodb-stream-worker.js";
import { DynamoDbStreamClient } from "../services/streams/retrieval/dynamodb-stream-client.js";
import { allTables } from "../services/tables/definitions.js";
import { ensureTables, streamArnOf, tableEnv } from "../services/tables/provision.js";
import { createDevIssuer, DEV_AUDIENCE } from "./dev-issuer.js";
import { startKinesisChangeSource } from "./kinesis-change-source.js";
import { startLocalInfrastructure } from "./local-infrastructure.js";
import { LOCAL_SETTINGS_FILE, removeLocalSettings, writeLocalSettings } from "./local-settings.js";

// The whole stack in one process for development: DynamoDB Local and embedded Postgres unless
// DYNAMODB_ENDPOINT / DATABASE_URL point elsewhere, and both APIs behind one base URL.
const config = readConfig(process.env, {
  PORT: int(3000, 1, 65535),
  DYNAMODB_ENDPOINT: optionalStr(),
  DATABASE_URL: optionalStr(),
  TABLE_PREFIX: str("item-service-"),
  LOG_LEVEL: logLevel(),
  // kinesis: the journal's changes go through kinesalite (a forwarder plays AWS's part).
  CHANGE_SOURCE: oneOf(["dynamodb-streams", "kinesis"]),
});

// The banner below is for the developer; what the running stack reports goes through the logger.
const log = (msg: string) => console.log(msg);
const logger = createLogger({ service: "local-stack", level: config.LOG_LEVEL });
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
const source =
  config.CHANGE_SOURCE === "kinesis"
    ? await startKinesisChangeSource({
        dynamo,
        dynamodbEndpoint: endpoint,
        journalTableName: names.journal ?? "",
        tablePrefix: config.TABLE_PREFIX,
        onError: (e, during) => logger.error({ error: String(e) }, `forwarder: ${during}`),
        onWarning: (e, during) => logger.warn({ error: String(e) }, `forwarder: ${during}`),
      })
    : {
        client: new DynamoDbStreamClient(dynamoDbStreamsClient(aws)),
        streamArn: await streamArnOf(dynamo, names.journal ?? ""),
        stop: async () => {},
      };
stops.unshift(source.stop);
log(
  `Changes: ${config.CHANGE_SOURCE === "kinesis" ? `Kinesis (kinesalite) ${source.streamArn}, forwarded from DynamoDB Local's stream` : "DynamoDB Streams"}`,
);
// The production composition: retries, bisection, parking (`npm run parked -- list` shows
// them) and the trimmed-stream policy.
const consumer = createReadModelConsumer({
  workerId: defaultWorkerId(),
  client: source.client,
  streamArn: source.streamArn,
  dynamo,
  tables: { leases: names.leases ?? "", parked: names.parked ?? "" },
  db,
  journal: store,
  logger,
  onCommitted: versions.publish,
  // One local worker: a short failover lets a restarted stack take its old leases quickly.
  config: { failoverMs: 3_000, idlePollMs: 50 },
});
await consumer.start();
stops.unshift(() => consumer.shutdown());

// A development issuer on the same base URL; both APIs verify its tokens exactly as they verify
// Cognito's in AWS (JWKS fetched over HTTP, signature, issuer, audience, expiry, scopes).
const base = `http://localhost:${config.PORT}`;
const devIssuer = await createDevIssuer({ issuer: base });
const access = issuerAccessControl(
  {
    issuer: devIssuer.issuer,
    jwksUrl: devIssuer.jwksUrl,
    audience: { audiences: [DEV_AUDIENCE], clientIds: [] },
    scopePrefix: "",
    clockSkewSeconds: 60,
  },
  { logger },
);

const app = new Hono()
  .route("/", devIssuer.routes)
  .route(
    "/",
    createCommandApi({
      access,
      repository: new DynamoDbItemRepository({
        client: dynamo,
        tableNames: {
          journal: names.journal ?? "",
          snapshots: names.snapshots ?? "",
          idempotency: names.idempotency ?? "",
        },
        cache: { maxItems: 10_000 },
      }),
      logger: logger.child({ api: "command-api" }),
    }),
  )
  .route("/", createQueryApi({ db, versions, access, logger: logger.child({ api: "query-api" }) }));
const server = serve({ fetch: app.fetch, port: config.PORT });
stops.unshift(() => new Promise((r) => server.close(r)));

// The operator CLIs find this stack through the settings file (unmasked URL, table names).
writeLocalSettings({
  AWS_REGION: aws.region,
  DYNAMODB_ENDPOINT: endpoint,
  ...tableEnv(names),
  DATABASE_URL: url,
  DATABASE_SCHEMA: "public",
});
stops.push(async () => removeLocalSettings());

const { access_token: token } = await devIssuer.mint();
log(`\nItem service ready at ${base}\n
A development token (all scopes, sub "dev", 1 h; more from POST ${base}/dev/token):\n
  TOKEN=${token}\n
  curl -si -X POST ${base}/commands/items -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"name":"Tea","price":450}'
  curl -s ${base}/queries/items/<itemId> -H "authorization: Bearer $TOKEN"\n
Operator CLIs (they read this stack's settings from ${LOCAL_SETTINGS_FILE}, git-ignored):
  npm run parked -- list      parked records    npm run rebuild    read model from the journal\n
Ctrl-C stops everything.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  for (const stop of stops)
    await stop().catch((e) => logger.error({ error: String(e) }, "stopping"));
  process.exit(0);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
