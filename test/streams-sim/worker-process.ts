// A stream worker as its own OS process, for the chaos and SIGTERM tests. Settings arrive as one
// JSON argument; every handled record, taken lease and life-cycle step is appended to a shared
// log file as one tab-separated line (one write per batch, so a SIGKILL never splits a line).
import { appendFileSync } from "node:fs";
import { dynamoDbClient, dynamoDbStreamsClient } from "../../services/config/aws-clients.js";
import type { ConsumerConfig } from "../../services/streams/coordinator/config.js";
import { StreamWorker } from "../../services/streams/coordinator/stream-worker.js";
import { DynamoDbLeaseStore } from "../../services/streams/leases/dynamodb/dynamodb-lease-store.js";
import { workerId } from "../../services/streams/leases/lease.js";
import { noMetrics } from "../../services/streams/metrics/consumer-metrics.js";
import { simpleProcessBatch } from "../../services/streams/processing/process-batch.js";
import { DynamoDbStreamClient } from "../../services/streams/retrieval/dynamodb-stream-client.js";
import { keyOf } from "./harness.js";

export interface WorkerProcessSettings {
  readonly name: string;
  readonly endpoint: string;
  readonly leasesTable: string;
  readonly streamArn: string;
  readonly logFile: string;
  readonly config: Partial<ConsumerConfig>;
}

const s = JSON.parse(process.argv[2] ?? "{}") as WorkerProcessSettings;
const line = (...fields: (string | number)[]) => `${fields.join("\t")}\t${Date.now()}\n`;
const write = (text: string) => appendFileSync(s.logFile, text);

const aws = { endpoint: s.endpoint, region: "us-east-1" };
const worker = new StreamWorker({
  workerId: workerId(s.name),
  streamArn: s.streamArn,
  client: new DynamoDbStreamClient(dynamoDbStreamsClient(aws)),
  leases: new DynamoDbLeaseStore(dynamoDbClient(aws), s.leasesTable),
  processBatch: simpleProcessBatch(async ({ records }) => {
    write(records.map((r) => line("H", s.name, keyOf(r).key, keyOf(r).version)).join(""));
    return undefined;
  }),
  config: s.config,
  metrics: { ...noMetrics, leaseTaken: (shardId) => write(line("T", s.name, shardId)) },
  onError: (e, during) => write(line("E", s.name, `${during}: ${String(e)}`.replace(/\s+/g, " "))),
});

process.once("SIGTERM", () => {
  void worker.shutdown().then(() => {
    write(line("X", s.name));
    process.exit(0);
  });
});
await worker.start();
write(line("R", s.name));
