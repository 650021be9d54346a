// The integration publisher as its own OS process, for the SIGKILL test: the one composition
// (createIntegrationPublisher) against DynamoDB Local and the simulated SNS endpoint. Settings
// arrive as one JSON argument (processSettings); "ready" is written to stdout once the worker
// started.
import {
  dynamoDbClient,
  dynamoDbStreamsClient,
  snsClient,
} from "../../services/config/aws-clients.js";
import { createIntegrationPublisher } from "../../services/integration-publisher/integration-publisher.js";
import { silentLogger } from "../../services/logging/logger.js";
import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { processSettings } from "./worker-log.js";

export interface PublisherProcessSettings {
  readonly name: string;
  readonly endpoint: string;
  readonly snsEndpoint: string;
  readonly topicArn: string;
  readonly streamArn: string;
  readonly tables: { readonly leases: string; readonly parked: string };
  readonly config: Partial<ConsumerConfig>;
}

const s = processSettings<PublisherProcessSettings>();
const aws = { endpoint: s.endpoint, region: "us-east-1" };
const worker = createIntegrationPublisher({
  workerId: workerId(s.name),
  client: new DynamoDbStreamClient(dynamoDbStreamsClient(aws)),
  streamArn: s.streamArn,
  dynamo: dynamoDbClient(aws),
  tables: s.tables,
  // The deployable's own client factory (main.ts), pointed at the simulated endpoint.
  sns: snsClient({ endpoint: s.snsEndpoint, region: "us-east-1" }),
  topicArn: s.topicArn,
  logger: silentLogger,
  config: s.config,
});
await worker.start();
process.stdout.write("ready\n");
