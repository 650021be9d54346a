import { dynamoDbClient, dynamoDbStreamsClient } from "../aws/clients.js";
import { databaseUrl, int, optionalStr, readConfig, str } from "../config/env.js";
import { openReadModel } from "../read-model/data-source.js";
import { DynamoDbEventStore } from "../event-store/dynamodb-event-store.js";
import { asRecordsCallback, readModelHandler } from "../read-model/stream-handler.js";
import { DynamoDbCheckpointStore } from "../streams/checkpoints/checkpoint-store.js";
import { DynamoDbStreamClient } from "../streams/retrieval/dynamodb-stream-client.js";
import { startSingleWorkerConsumer } from "../streams/single-worker-consumer.js";
import { streamArnOf } from "../tables/provision.js";

const config = readConfig(process.env, {
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
  LEASES_TABLE: str(),
  DATABASE_URL: databaseUrl(),
  DATABASE_SCHEMA: str("public"),
  IDLE_POLL_MS: int(100, 10, 10_000),
});

const aws = { endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION };
const dynamo = dynamoDbClient(aws);
const db = await openReadModel({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA });
const consumer = startSingleWorkerConsumer({
  streamArn: await streamArnOf(dynamo, config.JOURNAL_TABLE),
  client: new DynamoDbStreamClient(dynamoDbStreamsClient(aws)),
  checkpoints: new DynamoDbCheckpointStore(dynamo, config.LEASES_TABLE),
  handler: asRecordsCallback(
    readModelHandler({
      db,
      journal: new DynamoDbEventStore({ client: dynamo, journalTableName: config.JOURNAL_TABLE }),
      schema: config.DATABASE_SCHEMA,
    }),
  ),
  idlePollMs: config.IDLE_POLL_MS,
  onError: (e) =>
    console.error(JSON.stringify({ level: "error", msg: "consumer error", error: String(e) })),
});
console.log(JSON.stringify({ level: "info", msg: "stream-consumer started" }));

const shutdown = () =>
  void consumer
    .stop()
    .then(() => db.destroy())
    .then(() => process.exit(0));
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
