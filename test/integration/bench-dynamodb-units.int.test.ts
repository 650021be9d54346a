import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meterUnits, sumUnits } from "../../bench/support/dynamodb-units.js";
import { journalTable } from "../../services/tables/definitions.js";
import type { TestTables } from "../support/infra.js";
import { createTestTables, tableName, testDynamoDb } from "../support/infra.js";

// Where DynamoDB Local reports ConsumedCapacity right (PutItem, GetItem), the meter that computes
// units from AWS's rules must agree with it, item size by item size, across the KB boundaries.
describe("unit meter against DynamoDB Local's ConsumedCapacity", () => {
  let tables: TestTables;
  let client: DynamoDBClient;
  let meter: ReturnType<typeof meterUnits>;
  const journal = () => tableName(tables, "journal");
  const id = crypto.randomUUID();
  // Payload sizes that put the whole item just under and just over 1, 2 and 4 KB.
  const payloads = [100, 950, 1000, 2000, 4000, 4100, 9000];

  beforeAll(async () => {
    tables = await createTestTables([journalTable]);
    client = testDynamoDb();
    meter = meterUnits(client, tables.client);
  });
  afterAll(async () => {
    client.destroy();
    await tables.drop();
  });

  it("computes PutItem write units as DynamoDB Local reports them", async () => {
    for (const [i, size] of payloads.entries()) {
      meter.take();
      const out = await client.send(
        new PutItemCommand({
          TableName: journal(),
          Item: {
            aggregateId: { S: id },
            sequenceNumber: { N: String(i + 1) },
            eventType: { S: "StockReceived" },
            payload: { B: new Uint8Array(size) },
          },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      expect({ size, units: sumUnits(meter.take()).write }).toEqual({
        size,
        units: out.ConsumedCapacity?.CapacityUnits,
      });
    }
  });

  it("computes GetItem read units, consistent and eventually consistent, as reported", async () => {
    for (const [i] of payloads.entries()) {
      for (const consistent of [true, false]) {
        meter.take();
        const out = await client.send(
          new GetItemCommand({
            TableName: journal(),
            Key: { aggregateId: { S: id }, sequenceNumber: { N: String(i + 1) } },
            ConsistentRead: consistent,
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        expect(out.Item).toBeDefined();
        expect({ i, consistent, units: sumUnits(meter.take()).read }).toEqual({
          i,
          consistent,
          units: out.ConsumedCapacity?.CapacityUnits,
        });
      }
    }
  });

  it("charges a Query once for the summed size of every item it returns", async () => {
    meter.take();
    const out = await client.send(
      new QueryCommand({
        TableName: journal(),
        ConsistentRead: true,
        KeyConditionExpression: "aggregateId = :id",
        ExpressionAttributeValues: { ":id": { S: id } },
      }),
    );
    expect(out.Count).toBe(payloads.length);
    // ≈ 21.3 KB of items in all → 6 units (not 1 + 1 + 1 + 1 + 2 + 3 + 3 = 12 item by item).
    expect(sumUnits(meter.take())).toMatchObject({ read: 6, requests: "Query" });
  });
});
