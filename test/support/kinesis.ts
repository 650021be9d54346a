import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import type { StoredEvent } from "../../services/event-store/codec.js";
import { journalPut } from "../../services/event-store/journal.js";
import { kinesisDynamoDbChange } from "../../services/streams/retrieval/kinesis-dynamodb-record.js";
import { eventually } from "./eventually.js";

/** ARN kinesalite gives a stream (account 000000000000). */
export const kinesaliteArn = (name: string): string =>
  `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

const waitActive = (client: KinesisClient, name: string) =>
  eventually(
    async () => {
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      return out.StreamDescriptionSummary?.StreamStatus === "ACTIVE" ? true : undefined;
    },
    { what: `stream ${name} to be ACTIVE` },
  );

export const createKinesisStream = async (
  client: KinesisClient,
  name: string,
  shardCount: number,
): Promise<string> => {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  await waitActive(client, name);
  return kinesaliteArn(name);
};

/** Open shards with their hash ranges, in hash-key order. */
export const openShards = async (client: KinesisClient, name: string) => {
  const out = await client.send(new ListShardsCommand({ StreamName: name }));
  return (out.Shards ?? [])
    .filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber)
    .map((s) => ({
      shardId: s.ShardId ?? "",
      start: BigInt(s.HashKeyRange?.StartingHashKey ?? "0"),
      end: BigInt(s.HashKeyRange?.EndingHashKey ?? "0"),
    }))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
};

/** Splits a shard in the middle of its hash range; resolves when the stream is ACTIVE again. */
export const splitShard = async (client: KinesisClient, name: string, shardId: string) => {
  const shard = (await openShards(client, name)).find((s) => s.shardId === shardId);
  if (!shard) throw new Error(`${shardId} is not open`);
  await client.send(
    new SplitShardCommand({
      StreamName: name,
      ShardToSplit: shardId,
      NewStartingHashKey: ((shard.start + shard.end) / 2n).toString(),
    }),
  );
  await waitActive(client, name);
};

/** Merges the first two adjacent open shards; answers their ids. */
export const mergeAdjacent = async (client: KinesisClient, name: string, index = 0) => {
  const open = await openShards(client, name);
  const [a, b] = [open[index], open[index + 1]];
  if (!a || !b) throw new Error("fewer than two open shards");
  await client.send(
    new MergeShardsCommand({
      StreamName: name,
      ShardToMerge: a.shardId,
      AdjacentShardToMerge: b.shardId,
    }),
  );
  await waitActive(client, name);
  return [a.shardId, b.shardId] as const;
};

/**
 * One journal change per (key, version) in the Kinesis Data Streams for DynamoDB format,
 * partitioned by the item (as AWS does), written 500 per request.
 */
export const putJournalChanges = async (
  client: KinesisClient,
  name: string,
  changes: readonly { readonly key: string; readonly version: number }[],
): Promise<void> => {
  for (let i = 0; i < changes.length; i += 500) {
    const out = await client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: changes.slice(i, i + 500).map(({ key, version }) => ({
          PartitionKey: key,
          Data: new TextEncoder().encode(
            JSON.stringify(
              kinesisDynamoDbChange({
                eventName: "INSERT",
                tableName: "journal",
                createdAt: new Date(),
                keys: { aggregateId: { S: key }, sequenceNumber: { N: String(version) } },
              }),
            ),
          ),
        })),
      }),
    );
    if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records not written`);
  }
};

/** Every key at one version (one "round" of writes). */
export const round = (keys: readonly string[], version: number) =>
  keys.map((key) => ({ key, version }));

/** A journal event as the JSON change AWS writes for it (the journal item as the table stores it). */
export const journalChangeData = (journalTable: string, e: StoredEvent): Uint8Array => {
  const item = journalPut(journalTable, e).Put?.Item ?? {};
  const keys = {
    aggregateId: { S: e.metadata.aggregateId },
    sequenceNumber: { N: String(e.metadata.sequenceNumber) },
  };
  return new TextEncoder().encode(
    JSON.stringify(
      kinesisDynamoDbChange({
        eventName: "INSERT",
        tableName: journalTable,
        createdAt: e.metadata.occurredAt,
        keys,
        newImage: item,
      }),
    ),
  );
};
