import { type DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";

/** Items in a whole table, by a consistent paged Scan (tests and benchmarks; never production). */
export const countItems = async (client: DynamoDBClient, tableName: string): Promise<number> => {
  let count = 0;
  const pages = paginateScan(
    { client },
    { TableName: tableName, Select: "COUNT", ConsistentRead: true },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
};
