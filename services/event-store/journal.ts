import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  type CancellationReason,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { errAsync, ResultAsync } from "neverthrow";
import type { ItemEvent } from "../domain/item/index.js";
import { journalTable } from "../tables/definitions.js";
import { CURRENT_SCHEMA_VERSION, decodeEvent, encodeEvent, type StoredEvent } from "./codec.js";
import type { CommandContext, ExpectedVersion, LoadedStream } from "./event-store.js";

/** DynamoDB's limit on the items of one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

const PK = journalTable.partitionKey.name;
const SK = journalTable.sortKey.name;

/** The version the first new event follows. */
export const baseVersionOf = (expected: ExpectedVersion): number =>
  expected.kind === "exact" ? expected.version : 0;

/** Gives each new event its metadata; pure apart from the injected id source. */
export const stampEvents = (
  aggregateId: string,
  base: number,
  events: readonly ItemEvent[],
  context: CommandContext,
  newEventId: () => string,
): StoredEvent[] =>
  events.map((event, i) => ({
    metadata: {
      eventId: newEventId(),
      aggregateId,
      sequenceNumber: base + i + 1,
      occurredAt: context.now,
      correlationId: context.correlationId,
      causationId: context.commandId,
      actor: context.actor,
      eventType: event.type,
      schemaVersion: CURRENT_SCHEMA_VERSION,
    },
    event,
  }));

/**
 * One journal row, conditioned on its key being free: of two writers at the same expected
 * version exactly one can create sequence number `base + 1`.
 */
export const journalPut = (tableName: string, stored: StoredEvent): TransactWriteItem => ({
  Put: {
    TableName: tableName,
    Item: {
      [PK]: { S: stored.metadata.aggregateId },
      [SK]: { N: String(stored.metadata.sequenceNumber) },
      eventType: { S: stored.metadata.eventType },
      payload: { B: encodeEvent(stored) },
    },
    ConditionExpression: "attribute_not_exists(#pk)",
    ExpressionAttributeNames: { "#pk": PK },
  },
});

/** The event a journal item (or its stream image) holds; an item without a payload is none. */
export const eventOfJournalItem = (
  item: Record<string, AttributeValue> | undefined,
): StoredEvent | undefined => {
  const payload = item?.payload?.B;
  return payload ? decodeEvent(payload) : undefined;
};

/**
 * Events of one aggregate after `afterVersion`, in order: base table, strongly consistent,
 * following `LastEvaluatedKey` (a page holds at most 1 MB).
 */
export const queryJournal = async (
  client: DynamoDBClient,
  tableName: string,
  aggregateId: string,
  afterVersion = 0,
): Promise<LoadedStream> => {
  const events: StoredEvent[] = [];
  let startKey: QueryCommandOutput["LastEvaluatedKey"];
  do {
    const page: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        ConsistentRead: true,
        KeyConditionExpression: "#pk = :id AND #sk > :after",
        ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
        ExpressionAttributeValues: {
          ":id": { S: aggregateId },
          ":after": { N: String(afterVersion) },
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const event = eventOfJournalItem(item);
      if (event) events.push(event);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const last = events.at(-1);
  return { version: last ? last.metadata.sequenceNumber : afterVersion, events };
};

/** The per-item reasons of a cancelled transaction whose cause was a failed condition. */
const conditionFailures = (e: unknown): readonly CancellationReason[] | undefined => {
  if (!(e instanceof TransactionCanceledException)) return undefined;
  const reasons = e.CancellationReasons ?? [];
  return reasons.some((r) => r.Code === "ConditionalCheckFailed") ? reasons : undefined;
};

/**
 * One TransactWriteItems call; a failed condition is a typed error carrying the reasons, any
 * other fault rejects. The token makes the SDK's own retries idempotent: a retry of a
 * transaction that did commit succeeds instead of failing its conditions (a false conflict).
 */
export const transactJournal = (
  client: DynamoDBClient,
  items: TransactWriteItem[],
): ResultAsync<void, readonly CancellationReason[]> =>
  ResultAsync.fromPromise(
    client.send(
      new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: randomUUID() }),
    ),
    (e) => e,
  )
    .map(() => undefined)
    .orElse((e) => {
      const reasons = conditionFailures(e);
      if (!reasons) throw e;
      return errAsync(reasons);
    });
