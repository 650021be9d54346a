import { appendLives, type ItemLife, journalAppender } from "../../bench/projection-workload.js";
import type { StoredEvent } from "../../services/event-store/codec.js";
import { DynamoDbEventStore } from "../../services/event-store/dynamodb-event-store.js";
import type { TestTables } from "./infra.js";
import { createTestTables, tableName } from "./infra.js";

export interface SeededJournal {
  readonly tables: TestTables;
  /** Reads the journal (gap healing, rebuild). */
  readonly store: DynamoDbEventStore;
  /** Every event appended, in append order. */
  readonly events: StoredEvent[];
}

/** Fresh tables whose journal holds these item lives, written through the one write core. */
export const seededJournal = async (
  lives: readonly ItemLife[],
  options?: Parameters<typeof appendLives>[2],
): Promise<SeededJournal> => {
  const tables = await createTestTables();
  const journal = tableName(tables, "journal");
  const store = new DynamoDbEventStore({ client: tables.client, journalTableName: journal });
  try {
    const events = await appendLives(journalAppender(tables.client, journal), lives, options);
    return { tables, store, events };
  } catch (e) {
    // The suite never gets the tables to drop: drop them here.
    await tables.drop().catch(() => undefined);
    throw e;
  }
};
