import { randomUUID } from "node:crypto";
import { type DynamoDBClient, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { v7 as uuidv7 } from "uuid";
import type { ItemEvent } from "../domain/item/index.js";
import type {
  AppendError,
  AppendResult,
  CommandContext,
  EventStore,
  ExpectedVersion,
  LoadedStream,
} from "./event-store.js";
import {
  baseVersionOf,
  conditionFailures,
  journalPut,
  MAX_TRANSACTION_ITEMS,
  queryJournal,
  stampEvents,
} from "./journal.js";

/** DynamoDB's limit on the items of one TransactWriteItems call. */
const MAX_EVENTS_PER_APPEND = MAX_TRANSACTION_ITEMS;

/** Attempts of an "any" append when other writers keep moving the stream. */
const ANY_VERSION_ATTEMPTS = 5;

export interface DynamoDbEventStoreOptions {
  readonly client: DynamoDBClient;
  readonly journalTableName: string;
  /** Event id source (default UUIDv7). */
  readonly newEventId?: () => string;
}

/** The journal alone (no snapshots, no idempotency): see DynamoDbItemRepository for those. */
export class DynamoDbEventStore implements EventStore {
  constructor(private readonly options: DynamoDbEventStoreOptions) {}

  readStream(aggregateId: string, afterVersion = 0): Promise<LoadedStream> {
    return queryJournal(
      this.options.client,
      this.options.journalTableName,
      aggregateId,
      afterVersion,
    );
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
    const base = baseVersionOf(expected);
    if (base === undefined) return this.appendAtAnyVersion(aggregateId, events, context, 1);
    if (events.length === 0) return okAsync({ version: base, events: [] });
    const stored = stampEvents(
      aggregateId,
      base,
      events,
      context,
      this.options.newEventId ?? uuidv7,
    );
    const write = this.options.client.send(
      new TransactWriteItemsCommand({
        TransactItems: stored.map((s) => journalPut(this.options.journalTableName, s)),
        // Makes the SDK's retries idempotent (no false conflict after a lost response).
        ClientRequestToken: randomUUID(),
      }),
    );
    return ResultAsync.fromPromise(write, (e) => e)
      .map((): AppendResult => ({ version: base + stored.length, events: stored }))
      .orElse((e) => {
        if (conditionFailures(e))
          return errAsync<AppendResult, AppendError>({ kind: "VersionConflict", expected });
        throw e;
      });
  }

  /** "any": append after whatever is there now; a concurrent writer only causes a re-read. */
  private appendAtAnyVersion(
    aggregateId: string,
    events: readonly ItemEvent[],
    context: CommandContext,
    attempt: number,
  ): ResultAsync<AppendResult, AppendError> {
    return ResultAsync.fromSafePromise(this.readStream(aggregateId)).andThen((s) =>
      this.append(aggregateId, { kind: "exact", version: s.version }, events, context).orElse(
        (e) =>
          e.kind === "VersionConflict" && attempt < ANY_VERSION_ATTEMPTS
            ? this.appendAtAnyVersion(aggregateId, events, context, attempt + 1)
            : errAsync<AppendResult, AppendError>(
                e.kind === "VersionConflict" ? { ...e, expected: { kind: "any" } } : e,
              ),
      ),
    );
  }
}
