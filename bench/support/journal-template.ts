import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
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

/**
 * The raw write of figure 1: the template row under another item id and sequence number, with
 * the condition and return value a single-event command's PutItem has. Both the bench's raw
 * client and the bare server send exactly this.
 */
export const rawPut = (
  table: string,
  template: Record<string, AttributeValue>,
  itemId: string,
  sequence: number,
): PutItemCommand =>
  new PutItemCommand({
    TableName: table,
    Item: {
      ...template,
      [journalTable.partitionKey.name]: { S: itemId },
      [journalTable.sortKey.name]: { N: String(sequence) },
    },
    ConditionExpression: "attribute_not_exists(#pk)",
    ExpressionAttributeNames: { "#pk": journalTable.partitionKey.name },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  });
