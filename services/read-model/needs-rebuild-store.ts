import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import type { NeedsRebuild, NeedsRebuildStore } from "../streams/trimmed/needs-rebuild.js";
import { parkedTable } from "../tables/definitions.js";

const PK = parkedTable.partitionKey.name;
const SK = parkedTable.sortKey.name;
/** Reserved partition of the parked table (no aggregate id has this form). */
const CONSUMER_STATUS_KEY = "__consumer-status__";
const PREFIX = "needs-rebuild#";

/** Markers live in the parked table under a reserved partition, one item per affected shard. */
export class DynamoDbNeedsRebuildStore implements NeedsRebuildStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async mark(m: NeedsRebuild): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [PK]: { S: CONSUMER_STATUS_KEY },
          [SK]: { S: `${PREFIX}${m.shardId}` },
          shardId: { S: m.shardId },
          checkpoint: { S: m.checkpoint },
          reason: { S: m.reason },
          detectedAt: { S: m.detectedAt.toISOString() },
        },
      }),
    );
  }

  private async items(): Promise<Record<string, AttributeValue>[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ConsistentRead: true,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
        ExpressionAttributeValues: { ":pk": { S: CONSUMER_STATUS_KEY }, ":prefix": { S: PREFIX } },
      }),
    );
    return out.Items ?? [];
  }

  async list(): Promise<readonly NeedsRebuild[]> {
    return (await this.items()).map((i) => ({
      shardId: i.shardId?.S ?? "",
      checkpoint: i.checkpoint?.S ?? "",
      reason: i.reason?.S ?? "",
      detectedAt: new Date(i.detectedAt?.S ?? 0),
    }));
  }

  async clear(): Promise<void> {
    for (const item of await this.items()) {
      const key = { [PK]: item[PK], [SK]: item[SK] } as Record<string, AttributeValue>;
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key }));
    }
  }
}
