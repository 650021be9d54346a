import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { leasesTable } from "../../tables/definitions.js";

/** A sequence number, or where to start / that the shard is finished. */
export type Checkpoint = string | "TRIM_HORIZON" | "SHARD_END";

/** Shard checkpoints kept in the lease table (one item per shard, key = shard id). */
export class DynamoDbCheckpointStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(shardId: string): Promise<Checkpoint | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [leasesTable.partitionKey.name]: { S: shardId } },
        ConsistentRead: true,
      }),
    );
    return out.Item?.checkpoint?.S;
  }

  async set(shardId: string, checkpoint: Checkpoint): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [leasesTable.partitionKey.name]: { S: shardId } },
        UpdateExpression: "SET checkpoint = :c ADD leaseCounter :one",
        ExpressionAttributeValues: { ":c": { S: checkpoint }, ":one": { N: "1" } },
      }),
    );
  }
}
