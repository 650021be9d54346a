import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";

/**
 * Writes version `version` of every key to a journal-shaped table (aggregateId, sequenceNumber),
 * 25 items per BatchWriteItem, the batches in parallel; each key appears once per call and the
 * call returns when all are written, so a key's versions reach the stream in order.
 */
export const writeVersion = async (
  client: DynamoDBClient,
  tableName: string,
  keys: readonly string[],
  version: number,
): Promise<void> => {
  const chunks = Array.from({ length: Math.ceil(keys.length / 25) }, (_, i) =>
    keys.slice(i * 25, i * 25 + 25),
  );
  await Promise.all(chunks.map((chunk) => writeChunk(client, tableName, chunk, version)));
};

const writeChunk = async (
  client: DynamoDBClient,
  tableName: string,
  keys: readonly string[],
  version: number,
): Promise<void> => {
  let requests: WriteRequest[] = keys.map((k) => ({
    PutRequest: { Item: { aggregateId: { S: k }, sequenceNumber: { N: String(version) } } },
  }));
  while (requests.length > 0) {
    const out = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
    );
    requests = out.UnprocessedItems?.[tableName] ?? [];
  }
};
