import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateStreamCommand, DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { dynamoDbStreamsClient, kinesisClient } from "../services/config/aws-clients.js";
import { KinesisStreamClient } from "../services/streams/retrieval/kinesis-stream-client.js";
import type { StreamClient } from "../services/streams/retrieval/stream-client.js";
import { leasesTable } from "../services/tables/definitions.js";
import { ensureTables } from "../services/tables/provision.js";
import { startKinesalite } from "./kinesalite.js";
import { startKinesisForwarder } from "./kinesis-forwarder.js";

export interface KinesisChangeSource {
  /** What the consumer reads through (the same port as DynamoDB Streams). */
  readonly client: StreamClient;
  readonly streamArn: string;
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface KinesisChangeSourceOptions {
  readonly dynamo: DynamoDBClient;
  readonly dynamodbEndpoint: string;
  readonly journalTableName: string;
  /** Prefix of the forwarder's own lease table. */
  readonly tablePrefix: string;
  readonly streamName?: string;
  readonly shards?: number;
  readonly onError?: (error: unknown, during: string) => void;
  readonly onWarning?: (error: unknown, during: string) => void;
}

/**
 * Development only: the journal's changes in a Kinesis stream, as in production with
 * CHANGE_SOURCE=kinesis. Starts kinesalite, creates the stream (4 shards by default), and
 * forwards DynamoDB Local's stream into it.
 */
export const startKinesisChangeSource = async (
  o: KinesisChangeSourceOptions,
): Promise<KinesisChangeSource> => {
  const kinesalite = await startKinesalite();
  try {
    const kinesis = kinesisClient({ endpoint: kinesalite.endpoint });
    const name = o.streamName ?? "item-journal";
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: o.shards ?? 4 }));
    let summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    while (summary.StreamDescriptionSummary?.StreamStatus !== "ACTIVE") {
      await new Promise((r) => setTimeout(r, 20));
      summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    }
    const names = await ensureTables(o.dynamo, `${o.tablePrefix}forwarder-`, [leasesTable]);
    const forwarder = await startKinesisForwarder({
      dynamo: o.dynamo,
      streams: dynamoDbStreamsClient({ endpoint: o.dynamodbEndpoint }),
      kinesis,
      journalTableName: o.journalTableName,
      kinesisStreamName: name,
      leasesTableName: names.leases ?? "",
      ...(o.onError ? { onError: o.onError } : {}),
      ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    });
    return {
      client: new KinesisStreamClient(kinesis),
      streamArn: summary.StreamDescriptionSummary?.StreamARN ?? name,
      endpoint: kinesalite.endpoint,
      stop: async () => {
        await forwarder.shutdown();
        await kinesalite.stop();
      },
    };
  } catch (e) {
    await kinesalite.stop();
    throw e;
  }
};
