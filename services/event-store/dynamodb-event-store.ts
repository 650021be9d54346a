import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
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
  atAnyVersion,
  baseVersionOf,
  journalPut,
  MAX_TRANSACTION_ITEMS,
  queryJournal,
  stampEvents,
  transactJournal,
} from "./journal.js";

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
    if (events.length > MAX_TRANSACTION_ITEMS) {
      return errAsync({ kind: "TooManyEvents", count: events.length, max: MAX_TRANSACTION_ITEMS });
    }
    const base = baseVersionOf(expected);
    if (base === undefined) {
      return atAnyVersion(
        async () => (await this.readStream(aggregateId)).version,
        (exact) => this.append(aggregateId, exact, events, context),
      );
    }
    if (events.length === 0) return okAsync({ version: base, events: [] });
    const { client, journalTableName, newEventId = uuidv7 } = this.options;
    const stored = stampEvents(aggregateId, base, events, context, newEventId);
    return transactJournal(
      client,
      stored.map((s) => journalPut(journalTableName, s)),
    )
      .map((): AppendResult => ({ version: base + stored.length, events: stored }))
      .mapErr((): AppendError => ({ kind: "VersionConflict", expected }));
  }
}
