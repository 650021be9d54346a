import { dynamoDbClient, kinesisClient } from "../../services/config/aws-clients.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import { openReadModel } from "../../services/read-model/data-source.js";
import { readModelHandler } from "../../services/read-model/stream-handler.js";
import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { simpleProcessBatch } from "../../services/streams/processing/process-batch.js";
import { KinesisStreamClient } from "../../services/streams/retrieval/kinesis-stream-client.js";
import { keyOf } from "./harness.js";
import { processSettings, workerLog } from "./worker-log.js";

export interface KinesisWorkerProcessSettings {
  readonly name: string;
  readonly dynamodbEndpoint: string;
  readonly kinesisEndpoint: string;
  readonly leasesTable: string;
  readonly journalTable: string;
  readonly streamArn: string;
  readonly databaseUrl: string;
  readonly schema: string;
  readonly logFile: string;
  readonly config: Partial<ConsumerConfig>;
}

const s = processSettings<KinesisWorkerProcessSettings>();
const { line, write, observers } = workerLog(s.logFile, s.name);

const dynamo = dynamoDbClient({ endpoint: s.dynamodbEndpoint });
const db = await openReadModel({ url: s.databaseUrl, schema: s.schema, poolSize: 2 });
const project = readModelHandler({
  db,
  journal: new DynamoDbEventStore({ client: dynamo, journalTableName: s.journalTable }),
  schema: s.schema,
});
const worker = new StreamWorker({
  workerId: workerId(s.name),
  streamArn: s.streamArn,
  client: new KinesisStreamClient(kinesisClient({ endpoint: s.kinesisEndpoint })),
  leases: new DynamoDbLeaseStore(dynamo, s.leasesTable),
  processBatch: simpleProcessBatch(async (input) => {
    await project(input);
    const handled = input.records.map((r) =>
      line("H", keyOf(r).key, keyOf(r).version, input.shardId),
    );
    write(handled.join(""));
    return undefined;
  }),
  config: s.config,
  ...observers,
});

process.once("SIGTERM", () => {
  void worker.shutdown().then(async () => {
    await db.destroy();
    write(line("X"));
    process.exit(0);
  });
});
await worker.start();
write(line("R"));
