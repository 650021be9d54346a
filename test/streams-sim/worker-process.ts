import { dynamoDbClient, dynamoDbStreamsClient } from "../../services/config/aws-clients.js";
import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { simpleProcessBatch } from "../../services/streams/processing/process-batch.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { keyOf } from "./harness.js";
import { processSettings, workerLog } from "./worker-log.js";

export interface WorkerProcessSettings {
  readonly name: string;
  readonly endpoint: string;
  readonly leasesTable: string;
  readonly streamArn: string;
  readonly logFile: string;
  readonly config: Partial<ConsumerConfig>;
}

const s = processSettings<WorkerProcessSettings>();
const { line, write, observers } = workerLog(s.logFile, s.name);

const aws = { endpoint: s.endpoint, region: "us-east-1" };
const worker = new StreamWorker({
  workerId: workerId(s.name),
  streamArn: s.streamArn,
  client: new DynamoDbStreamClient(dynamoDbStreamsClient(aws)),
  leases: new DynamoDbLeaseStore(dynamoDbClient(aws), s.leasesTable),
  processBatch: simpleProcessBatch(async ({ records }) => {
    write(records.map((r) => line("H", keyOf(r).key, keyOf(r).version)).join(""));
    return undefined;
  }),
  config: s.config,
  ...observers,
});

process.once("SIGTERM", () => {
  void worker.shutdown().then(() => {
    write(line("X"));
    process.exit(0);
  });
});
await worker.start();
write(line("R"));
