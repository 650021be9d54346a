import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { startDynamoDbStreamWorker } from "../services/streams/coordinator/dynamodb-stream-worker.js";
import type { StreamWorker } from "../services/streams/coordinator/stream-worker.js";
import type { ProcessBatch } from "../services/streams/processing/process-batch.js";
import { kinesisDynamoDbChange } from "../services/streams/retrieval/kinesis-dynamodb-record.js";
import type { StreamRecord } from "../services/streams/retrieval/stream-client.js";
import { journalTable } from "../services/tables/definitions.js";
import { streamArnOf } from "../services/tables/provision.js";

/** PutRecords takes at most 500 records per call. */
const MAX_PUT = 500;

export interface KinesisForwarderOptions {
  readonly dynamo: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly kinesis: KinesisClient;
  readonly journalTableName: string;
  readonly kinesisStreamName: string;
  /** The forwarder's own lease table (never the consumer's: their shards are different). */
  readonly leasesTableName: string;
  readonly region?: string;
  readonly onError?: (error: unknown, during: string) => void;
  readonly onWarning?: (error: unknown, during: string) => void;
}

const data = (tableName: string, region: string, r: StreamRecord): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify(
      kinesisDynamoDbChange({
        eventName: r.newImage ? "INSERT" : "REMOVE",
        tableName,
        createdAt: r.approximateCreationTime,
        keys: r.keys,
        ...(r.newImage ? { newImage: r.newImage } : {}),
        region,
        eventId: r.sequenceNumber,
      }),
    ),
  );

/**
 * Development only: what AWS does in production for a table with a KinesisStreamSpecification.
 * Copies DynamoDB Local's stream of the journal into a Kinesis stream (kinesalite) in the
 * Kinesis Data Streams for DynamoDB format, partitioned by the item. A batch whose PutRecords
 * fails in part is written again whole, so records may arrive twice: AWS documents duplicates
 * on this path too, and the projection absorbs them.
 */
export const startKinesisForwarder = async (o: KinesisForwarderOptions): Promise<StreamWorker> => {
  const region = o.region ?? "us-east-1";
  const forward: ProcessBatch = async ({ records }) => {
    for (let i = 0; i < records.length; i += MAX_PUT) {
      const out = await o.kinesis.send(
        new PutRecordsCommand({
          StreamName: o.kinesisStreamName,
          Records: records.slice(i, i + MAX_PUT).map((r) => ({
            PartitionKey: r.keys[journalTable.partitionKey.name]?.S ?? r.sequenceNumber,
            Data: data(o.journalTableName, region, r),
          })),
        }),
      );
      if (out.FailedRecordCount)
        throw new Error(`${out.FailedRecordCount} records not written to ${o.kinesisStreamName}`);
    }
    const last = records.at(-1);
    return last ? { checkpointUpTo: last.sequenceNumber } : {};
  };
  return startDynamoDbStreamWorker({
    dynamo: o.dynamo,
    streams: o.streams,
    leasesTableName: o.leasesTableName,
    streamArn: await streamArnOf(o.dynamo, o.journalTableName),
    processBatch: forward,
    config: { failoverMs: 3_000, idlePollMs: 50 },
    ...(o.onError ? { onError: o.onError } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
  });
};
