import type { AttributeValue, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { idempotencyTable } from "../tables/definitions.js";
import type { IdempotencyRecord } from "./item-repository.js";

const PK = idempotencyTable.partitionKey.name;
const TTL = idempotencyTable.ttlAttribute;

type Item = Record<string, AttributeValue>;

export interface IdempotencyPutInput {
  readonly tableName: string;
  readonly record: IdempotencyRecord;
  readonly aggregateId: string;
  readonly now: Date;
  readonly ttlSeconds: number;
}

const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/**
 * The idempotency row, written in the same transaction as the events. Its condition fails
 * while an unexpired row holds the key (TTL deletion lags by up to days, so an expired row
 * counts as free); the old row comes back with the cancellation.
 */
export const idempotencyPut = (input: IdempotencyPutInput): TransactWriteItem => ({
  Put: {
    TableName: input.tableName,
    Item: {
      [PK]: { S: input.record.key },
      fingerprint: { S: input.record.fingerprint },
      status: { N: String(input.record.response.status) },
      body: { S: input.record.response.body },
      headers: { S: JSON.stringify(input.record.response.headers) },
      aggregateId: { S: input.aggregateId },
      createdAt: { S: input.now.toISOString() },
      [TTL]: { N: String(epochSeconds(input.now) + input.ttlSeconds) },
    },
    ConditionExpression: "attribute_not_exists(#pk) OR #ttl < :now",
    ExpressionAttributeNames: { "#pk": PK, "#ttl": TTL },
    ExpressionAttributeValues: { ":now": { N: String(epochSeconds(input.now)) } },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  },
});

export const idempotencyKey = (key: string): Item => ({ [PK]: { S: key } });

/** `undefined` for a missing or expired row. */
export const idempotencyRecordOf = (
  item: Item | undefined,
  now: Date,
): IdempotencyRecord | undefined => {
  const key = item?.[PK]?.S;
  if (!item || key === undefined) return undefined;
  const expiresAt = Number(item[TTL]?.N ?? "0");
  if (expiresAt < epochSeconds(now)) return undefined;
  return {
    key,
    fingerprint: item.fingerprint?.S ?? "",
    response: {
      status: Number(item.status?.N ?? "0"),
      body: item.body?.S ?? "",
      headers: JSON.parse(item.headers?.S ?? "{}") as Record<string, string>,
    },
  };
};
