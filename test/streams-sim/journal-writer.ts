import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";

/**
 * Writes version `version` of every key to a journal-shaped table (aggregateId, sequenceNumber),
 * 25 items per BatchWriteItem; a key appears once per call, so its versions reach the stream
 * in order.
 */
export const writeVersion = async (
  client: DynamoDBClient,
  tableName: string,
  keys: readonly string[],
  version: number,
): Promise<void> => {
  for (let i = 0; i < keys.length; i += 25) {
    let requests: WriteRequest[] = keys.slice(i, i + 25).map((k) => ({
      PutRequest: { Item: { aggregateId: { S: k }, sequenceNumber: { N: String(version) } } },
    }));
    while (requests.length > 0) {
      const out = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = out.UnprocessedItems?.[tableName] ?? [];
    }
  }
};
