import { serve } from "@hono/node-server";
import { dynamoDbClient } from "../aws/clients.js";
import { createItemCommandHandler } from "../command-handling/item-command-handler.js";
import { int, optionalStr, readConfig, str } from "../config/env.js";
import { DynamoDbEventStore } from "../event-store/dynamodb-event-store.js";
import { createCommandApi } from "./app.js";

const config = readConfig(process.env, {
  PORT: int(3001, 1, 65535),
  AWS_REGION: str("us-east-1"),
  DYNAMODB_ENDPOINT: optionalStr(),
  JOURNAL_TABLE: str(),
});

const client = dynamoDbClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const store = new DynamoDbEventStore({ client, journalTableName: config.JOURNAL_TABLE });
const app = createCommandApi({ handle: createItemCommandHandler({ store }) });
const server = serve({ fetch: app.fetch, port: config.PORT }, (info) =>
  console.log(JSON.stringify({ level: "info", msg: "command-api listening", port: info.port })),
);

process.once("SIGTERM", () => server.close(() => process.exit(0)));
process.once("SIGINT", () => server.close(() => process.exit(0)));
