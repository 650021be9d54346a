import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EventStore, LoadedStream } from "./event-store.js";
import { queryJournal } from "./journal.js";

export interface DynamoDbEventStoreOptions {
  readonly client: DynamoDBClient;
  readonly journalTableName: string;
}

/** The journal, read side (strongly consistent, paged): see DynamoDbItemRepository for writes. */
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
}
