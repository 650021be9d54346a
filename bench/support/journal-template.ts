import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { journalTable } from "../../services/tables/definitions.js";

/**
 * The journal row of an item's last event, read consistently: the template of a raw write that
 * has exactly the size and attributes of the one a command made.
 */
export const lastJournalRow = async (
  client: DynamoDBClient,
  table: string,
  itemId: string,
): Promise<Record<string, AttributeValue>> => {
  const last = await client.send(
    new QueryCommand({
      TableName: table,
      ConsistentRead: true,
      KeyConditionExpression: "#pk = :id",
      ExpressionAttributeNames: { "#pk": journalTable.partitionKey.name },
      ExpressionAttributeValues: { ":id": { S: itemId } },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const row = last.Items?.[0];
  if (!row) throw new Error(`the journal holds no event of item ${itemId}`);
  return row;
};
