import { dynamoDbClient, dynamoDbStreamsClient } from "../../services/config/aws-clients.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { type LoggedWorkerSettings, processSettings, runLoggedWorker } from "./worker-log.js";

export interface WorkerProcessSettings extends LoggedWorkerSettings {
  readonly endpoint: string;
}

const s = processSettings<WorkerProcessSettings>();
const aws = { endpoint: s.endpoint, region: "us-east-1" };
await runLoggedWorker(s, {
  client: new DynamoDbStreamClient(dynamoDbStreamsClient(aws)),
  leases: new DynamoDbLeaseStore(dynamoDbClient(aws), s.leasesTable),
});
