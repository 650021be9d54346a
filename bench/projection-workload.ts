// Workload shared by the projection / rebuild benchmarks and their integration tests: plausible
// random item lives, appended straight to the journal, and a row-for-row dump of a read model.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DataSource } from "typeorm";
import { v7 as uuidv7 } from "uuid";
import type { ItemEvent } from "../services/domain/item/index.js";
import type { StoredEvent } from "../services/event-store/codec.js";
import type { CommandContext } from "../services/event-store/event-store.js";
import { appendToJournal } from "../services/event-store/journal-append.js";
import { liveTables, qualified } from "../services/read-model/tables.js";

export interface ItemLife {
  readonly itemId: string;
  readonly events: readonly ItemEvent[];
}

/** Random but valid lives: registered first, stock never negative, discontinued last if at all. */
export const generateLives = (random: () => number, items: number, eventsPerItem: number) => {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  return Array.from({ length: items }, (): ItemLife => {
    const itemId = uuidv7();
    const events: ItemEvent[] = [
      {
        type: "ItemRegistered",
        data: { itemId, name: `item ${int(1, 9999)}`, price: int(0, 10_000) },
      } as ItemEvent,
    ];
    let stock = 0;
    const count = int(1, eventsPerItem * 2 - 1);
    for (let i = 1; i < count; i++) {
      const roll = random();
      if (roll < 0.1)
        events.push({ type: "ItemRenamed", data: { name: `renamed ${i}` } } as ItemEvent);
      else if (roll < 0.2)
        events.push({ type: "ItemPriceChanged", data: { price: int(0, 10_000) } } as ItemEvent);
      else if (roll < 0.6 || stock === 0) {
        const quantity = int(1, 50);
        stock += quantity;
        events.push({ type: "StockReceived", data: { quantity } } as ItemEvent);
      } else {
        const quantity = int(1, stock);
        stock -= quantity;
        events.push({ type: "StockShipped", data: { quantity } } as ItemEvent);
      }
    }
    if (random() < 0.2)
      events.push({ type: "ItemDiscontinued", data: { reason: "end of line" } } as ItemEvent);
    return { itemId, events };
  });
};

/**
 * Appends events after version `base` through the journal's one write core (the one
 * `DynamoDbItemRepository.save` uses), with no snapshot or idempotency row: for seeding tests
 * and benchmarks. A failed condition is an `Err` with DynamoDB's reasons.
 */
export const journalAppender =
  (client: DynamoDBClient, journalTable: string) =>
  (
    aggregateId: string,
    base: number,
    events: readonly ItemEvent[],
    context: CommandContext = {
      commandId: uuidv7(),
      correlationId: uuidv7(),
      now: new Date(),
      actor: { subject: "bench" },
    },
  ) =>
    appendToJournal({
      client,
      journalTable,
      aggregateId,
      base,
      events,
      context,
      newEventId: uuidv7,
    });

export type JournalAppender = ReturnType<typeof journalAppender>;

/**
 * Appends each life with bounded concurrency, `eventsPerAppend` events per append (1 = one
 * command per event, like real traffic; more = fewer round trips to DynamoDB Local).
 */
export const appendLives = async (
  append: JournalAppender,
  lives: readonly ItemLife[],
  { concurrency = 16, eventsPerAppend = 1 } = {},
): Promise<StoredEvent[]> => {
  const out: StoredEvent[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < lives.length; i = next++) {
      const life = lives[i] as ItemLife;
      for (let n = 0; n < life.events.length; n += eventsPerAppend) {
        const chunk = life.events.slice(n, n + eventsPerAppend);
        const r = await append(life.itemId, n, chunk);
        if (r.isErr()) throw new Error(`append failed: ${JSON.stringify(r.error)}`);
        out.push(...r.value);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
};

/** Every row of the three read-model tables, in a fixed order, as plain comparable values. */
export const dumpReadModel = async (db: DataSource, schema: string) => {
  const t = liveTables(schema);
  const [items, history, totals] = await Promise.all([
    db.query(`SELECT * FROM ${qualified(t, "items")} ORDER BY item_id`),
    db.query(`SELECT * FROM ${qualified(t, "history")} ORDER BY item_id, sequence_number`),
    db.query(
      `SELECT status, item_count, stock_units, stock_value::text AS stock_value
         FROM ${qualified(t, "totals")} WHERE item_count <> 0 ORDER BY status`,
    ),
  ]);
  return { items, history, totals } as {
    items: Array<Record<string, unknown>>;
    history: Array<Record<string, unknown>>;
    totals: Array<Record<string, unknown>>;
  };
};

/** The lives as stored events, without DynamoDB (for benches that only measure Postgres). */
export const storedEventsOf = (lives: readonly ItemLife[], now = new Date()): StoredEvent[] =>
  lives.flatMap((life) =>
    life.events.map((event, i) => ({
      metadata: {
        eventId: uuidv7(),
        aggregateId: life.itemId,
        sequenceNumber: i + 1,
        occurredAt: now,
        correlationId: "bench",
        causationId: "bench",
        eventType: event.type,
        schemaVersion: 1,
      },
      event,
    })),
  );
