import { dynamoDbClient, kinesisClient } from "../../services/config/aws-clients.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { openReadModel } from "../../services/read-model/data-source.js";
import { readModelHandler } from "../../services/read-model/stream-handler.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { KinesisStreamClient } from "../../services/streams/retrieval/kinesis-stream-client.js";
import { type LoggedWorkerSettings, processSettings, runLoggedWorker } from "./worker-log.js";

export interface KinesisWorkerProcessSettings extends LoggedWorkerSettings {
  readonly dynamodbEndpoint: string;
  readonly kinesisEndpoint: string;
  readonly journalTable: string;
  readonly databaseUrl: string;
  readonly schema: string;
}

const s = processSettings<KinesisWorkerProcessSettings>();
const dynamo = dynamoDbClient({ endpoint: s.dynamodbEndpoint });
const db = await openReadModel({ url: s.databaseUrl, schema: s.schema, poolSize: 2 });
await runLoggedWorker(s, {
  client: new KinesisStreamClient(kinesisClient({ endpoint: s.kinesisEndpoint })),
  leases: new DynamoDbLeaseStore(dynamo, s.leasesTable),
  project: readModelHandler({
    db,
    journal: new DynamoDbEventStore({ client: dynamo, journalTableName: s.journalTable }),
    schema: s.schema,
  }),
  close: () => db.destroy(),
});
