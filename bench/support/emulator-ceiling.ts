import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "../../services/config/aws-clients.js";
import { journalTable } from "../../services/tables/definitions.js";

/**
 * How many one-Put TransactWriteItems per second the DynamoDB endpoint takes at `concurrency`
 * for `seconds`: the ceiling of any write rate a bench drives through it on this machine.
 */
export const transactWriteCeiling = async (options: {
  readonly endpoint: string;
  readonly journalTable: string;
  readonly seconds: number;
  readonly concurrency: number;
}): Promise<number> => {
  const client = dynamoDbClient({ endpoint: options.endpoint, region: "us-east-1" });
  const payload = new Uint8Array(192);
  const run = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  let done = 0;
  const start = performance.now();
  const until = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < until; i++) {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: options.journalTable,
                  Item: {
                    [journalTable.partitionKey.name]: { S: `ceiling-${run}-${worker}-${i}` },
                    [journalTable.sortKey.name]: { N: "1" },
                    payload: { B: payload },
                  },
                  ConditionExpression: "attribute_not_exists(#pk)",
                  ExpressionAttributeNames: { "#pk": journalTable.partitionKey.name },
                },
              },
            ],
          }),
        );
        done += 1;
      }
    }),
  );
  client.destroy();
  return done / ((performance.now() - start) / 1000);
};
