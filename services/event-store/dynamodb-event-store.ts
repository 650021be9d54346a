import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandOutput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { errAsync, ResultAsync } from "neverthrow";
import { v7 as uuidv7 } from "uuid";
import type { ItemEvent } from "../domain/item/index.js";
import { journalTable } from "../tables/definitions.js";
import { CURRENT_SCHEMA_VERSION, decodeEvent, encodeEvent, type StoredEvent } from "./codec.js";
import type {
  AppendError,
  AppendResult,
  CommandContext,
  EventStore,
  ExpectedVersion,
  LoadedStream,
} from "./event-store.js";

/** DynamoDB's limit on the items of one TransactWriteItems call. */
export const MAX_EVENTS_PER_APPEND = 100;

const PK = journalTable.partitionKey.name;
const SK = journalTable.sortKey.name;

export interface DynamoDbEventStoreOptions {
  readonly client: DynamoDBClient;
  readonly journalTableName: string;
}

export class DynamoDbEventStore implements EventStore {
  constructor(private readonly options: DynamoDbEventStoreOptions) {}

  async readStream(aggregateId: string, afterVersion = 0): Promise<LoadedStream> {
    const events: StoredEvent[] = [];
    let startKey: QueryCommandOutput["LastEvaluatedKey"];
    do {
      const page: QueryCommandOutput = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.journalTableName,
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
        const payload = item.payload?.B;
        if (payload) events.push(decodeEvent(payload));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const last = events.at(-1);
    return { version: last ? last.metadata.sequenceNumber : afterVersion, events };
  }

  append(
    aggregateId: string,
    expected: ExpectedVersion,
    events: readonly ItemEvent[],
    context: CommandContext,
  ): ResultAsync<AppendResult, AppendError> {
    if (events.length > MAX_EVENTS_PER_APPEND) {
      return errAsync({ kind: "TooManyEvents", count: events.length, max: MAX_EVENTS_PER_APPEND });
    }
    const base = expected.kind === "exact" ? expected.version : 0;
    if (expected.kind === "any") {
      return ResultAsync.fromSafePromise(this.readStream(aggregateId)).andThen((s) =>
        this.append(aggregateId, { kind: "exact", version: s.version }, events, context),
      );
    }
    const stored: StoredEvent[] = events.map((event, i) => ({
      metadata: {
        eventId: uuidv7(),
        aggregateId,
        sequenceNumber: base + i + 1,
        occurredAt: context.now,
        correlationId: context.correlationId,
        causationId: context.commandId,
        eventType: event.type,
        schemaVersion: CURRENT_SCHEMA_VERSION,
      },
      event,
    }));
    const write = this.options.client.send(
      new TransactWriteItemsCommand({
        TransactItems: stored.map((s) => ({
          Put: {
            TableName: this.options.journalTableName,
            Item: {
              [PK]: { S: aggregateId },
              [SK]: { N: String(s.metadata.sequenceNumber) },
              eventType: { S: s.metadata.eventType },
              payload: { B: encodeEvent(s) },
            },
            // Fencing on the sequence number: a concurrent writer at the same version loses.
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": PK },
          },
        })),
      }),
    );
    return ResultAsync.fromPromise(write, (e) => e)
      .map((): AppendResult => ({ version: base + stored.length, events: stored }))
      .orElse((e) => {
        if (isConditionFailure(e))
          return errAsync<AppendResult, AppendError>({ kind: "VersionConflict", expected });
        throw e;
      });
  }
}

const isConditionFailure = (e: unknown): boolean =>
  e instanceof TransactionCanceledException &&
  (e.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed");
