import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  LimitExceededException,
  ResourceNotFoundException,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import { type Clock, systemClock } from "../../clock/clock.js";
import {
  allPages,
  type IteratorPosition,
  iteratorOrNotFound,
  type RecordsPage,
  type ShardDescription,
  type StreamClient,
  shardDescriptions,
  streamReadErrors,
} from "./stream-client.js";

const translate = streamReadErrors([
  [ExpiredIteratorException, "ExpiredIterator"],
  [TrimmedDataAccessException, "TrimmedDataAccess"],
  [ResourceNotFoundException, "ResourceNotFound"],
  [LimitExceededException, "Throttled"],
]);

/** DynamoDB Streams through the AWS SDK v3. */
export class DynamoDbStreamClient implements StreamClient {
  constructor(
    private readonly client: DynamoDBStreamsClient,
    /** Stamps a record that arrives without ApproximateCreationDateTime. */
    private readonly clock: Clock = systemClock,
  ) {}

  listShards(streamArn: string): Promise<readonly ShardDescription[]> {
    return allPages(async (start) => {
      const out = await this.client
        .send(
          new DescribeStreamCommand({
            StreamArn: streamArn,
            ExclusiveStartShardId: start,
            Limit: 100,
          }),
        )
        .catch(translate);
      const description = out.StreamDescription;
      return {
        items: (description?.Shards ?? []).flatMap(shardDescriptions),
        next: description?.LastEvaluatedShardId,
      };
    });
  }

  async getShardIterator(
    streamArn: string,
    shardId: string,
    position: IteratorPosition,
  ): Promise<string> {
    if (position.type === "AT_TIMESTAMP")
      throw new Error("DynamoDB Streams has no AT_TIMESTAMP iterator (Kinesis only)");
    const out = await this.client
      .send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: position.type,
          ...("sequenceNumber" in position ? { SequenceNumber: position.sequenceNumber } : {}),
        }),
      )
      .catch(translate);
    return iteratorOrNotFound(shardId, out.ShardIterator);
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage> {
    const out = await this.client
      .send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }))
      .catch(translate);
    return {
      records: (out.Records ?? []).flatMap((r) => {
        const d = r.dynamodb;
        if (!d?.SequenceNumber) return [];
        return [
          {
            sequenceNumber: d.SequenceNumber,
            approximateCreationTime: d.ApproximateCreationDateTime ?? new Date(this.clock.now()),
            keys: (d.Keys ?? {}) as Record<string, AttributeValue>,
            ...(d.NewImage ? { newImage: d.NewImage as Record<string, AttributeValue> } : {}),
          },
        ];
      }),
      ...(out.NextShardIterator ? { nextIterator: out.NextShardIterator } : {}),
    };
  }
}
