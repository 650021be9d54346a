import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  KMSThrottlingException,
  LimitExceededException,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  type ShardFilter,
} from "@aws-sdk/client-kinesis";
import { decodeKinesisDynamoDbRecord } from "./kinesis-dynamodb-record.js";
import {
  allPages,
  type IteratorPosition,
  iteratorOrNotFound,
  type RecordsPage,
  type ShardDescription,
  type StreamClient,
  type StreamRecord,
  shardDescriptions,
  streamReadErrors,
} from "./stream-client.js";

const translate = streamReadErrors([
  [ExpiredIteratorException, "ExpiredIterator"],
  [ResourceNotFoundException, "ResourceNotFound"],
  [ProvisionedThroughputExceededException, "Throttled"],
  [LimitExceededException, "Throttled"],
  [KMSThrottlingException, "Throttled"],
]);

/**
 * A stream named by ARN (`arn:aws:kinesis:region:account:stream/name`) or by name. Requests
 * carry the name: every API and kinesalite accept it, and the consumer runs in the stream's
 * account and region.
 */
export const kinesisStreamName = (stream: string): string => {
  const at = stream.indexOf(":stream/");
  return stream.startsWith("arn:") && at >= 0 ? stream.slice(at + ":stream/".length) : stream;
};

export interface KinesisStreamClientOptions {
  /**
   * Sent with the first ListShards request (never with a NextToken, which the API forbids).
   * Default FROM_TRIM_HORIZON: every shard that still holds data, closed parents included, so
   * lineage is complete.
   */
  readonly shardFilter?: ShardFilter;
  /** ListShards page size (1–10000). */
  readonly pageSize?: number;
  /**
   * A record that is not a DynamoDB change in JSON. It is passed on without keys or image (the
   * projection skips it, the checkpoint moves on): it can never become an event.
   */
  readonly onUndecodable?: (sequenceNumber: string, reason: string) => void;
}

/**
 * Kinesis Data Streams through the AWS SDK v3, reading the Kinesis Data Streams for DynamoDB
 * record format. Semantics as in KCL's polling retrieval: ListShards with paging and a shard
 * filter; ExpiredIterator, throttling (ProvisionedThroughputExceeded, LimitExceeded, KMS
 * throttling) and ResourceNotFound mapped to the port's errors; `ChildShards` and
 * `MillisBehindLatest` passed on when the service returns them. Kinesis has no
 * TrimmedDataAccess: an iterator after a trimmed position starts at the trim horizon.
 */
export class KinesisStreamClient implements StreamClient {
  constructor(
    private readonly client: KinesisClient,
    private readonly options: KinesisStreamClientOptions = {},
  ) {}

  listShards(stream: string): Promise<readonly ShardDescription[]> {
    return allPages(async (next) => {
      const out = await this.client
        .send(
          new ListShardsCommand({
            ...(next === undefined
              ? {
                  StreamName: kinesisStreamName(stream),
                  ShardFilter: this.options.shardFilter ?? { Type: "FROM_TRIM_HORIZON" },
                }
              : { NextToken: next }),
            MaxResults: this.options.pageSize ?? 1000,
          }),
        )
        .catch(translate);
      return { items: (out.Shards ?? []).flatMap(shardDescriptions), next: out.NextToken };
    });
  }

  async getShardIterator(
    stream: string,
    shardId: string,
    position: IteratorPosition,
  ): Promise<string> {
    const out = await this.client
      .send(
        new GetShardIteratorCommand({
          StreamName: kinesisStreamName(stream),
          ShardId: shardId,
          ShardIteratorType: position.type,
          ...("sequenceNumber" in position
            ? { StartingSequenceNumber: position.sequenceNumber }
            : {}),
          ...(position.type === "AT_TIMESTAMP" ? { Timestamp: position.timestamp } : {}),
        }),
      )
      .catch(translate);
    return iteratorOrNotFound(shardId, out.ShardIterator);
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage> {
    const out = await this.client
      .send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }))
      .catch(translate);
    const records = (out.Records ?? []).flatMap((r): StreamRecord[] => {
      if (!r.SequenceNumber) return [];
      const seq = r.SequenceNumber;
      const decoded = decodeKinesisDynamoDbRecord(
        seq,
        r.Data ?? new Uint8Array(),
        r.ApproximateArrivalTimestamp,
      );
      if (decoded.isOk()) return [decoded.value];
      this.options.onUndecodable?.(seq, decoded.error);
      return [
        {
          sequenceNumber: seq,
          approximateCreationTime: r.ApproximateArrivalTimestamp ?? new Date(0),
          keys: {},
        },
      ];
    });
    const children = out.ChildShards?.flatMap(
      ({ ShardId, ParentShards: [parent, adjacent] = [] }) =>
        shardDescriptions({ ShardId, ParentShardId: parent, AdjacentParentShardId: adjacent }),
    );
    return {
      records,
      ...(out.NextShardIterator ? { nextIterator: out.NextShardIterator } : {}),
      ...(out.MillisBehindLatest !== undefined
        ? { millisBehindLatest: out.MillisBehindLatest }
        : {}),
      ...(children && children.length > 0 ? { childShards: children } : {}),
    };
  }
}
